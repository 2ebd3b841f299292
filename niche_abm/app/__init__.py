"""The browser app (Solara, on Mesa's visualization): watch the niche, change it, give drugs mid-run, run demos.

Modules: ``page`` (the page, one model per tab), ``views`` (picture, time
courses, status, demo text), ``controls`` (run, parameters, demos, drugs,
overlay, export), ``raster`` (the grid as one RGB image with a field overlay),
``charts`` (the time-course chart), ``history`` (bounded daily metrics),
``session`` (the model a tab runs), ``settings`` (what a run is built from),
``dosing`` (the drug panel's input as a checked regimen), ``export`` (PNG and
CSV) and ``server`` (start it on localhost).
"""
