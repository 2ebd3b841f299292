"""The world of the niche: lattice, bone and signals."""
