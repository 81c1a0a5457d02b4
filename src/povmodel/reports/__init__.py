"""Reports: papermill runner, report catalogue, figures, sections and bilingual labels.

Importing this package is light; papermill, nbconvert and matplotlib load only when a report
runs or a figure is drawn.
"""
