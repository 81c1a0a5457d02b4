"""Re-poverty risk: vulnerability as expected poverty (Chaudhuri, Jalan & Suryahadi 2002),
re-poverty classifiers, and their honest evaluation.

Modules: :mod:`~povmodel.risk.vulnerability` (VEP by three-step feasible GLS),
:mod:`~povmodel.risk.features` (panel pairs t -> next round, with household, province and
shock features), :mod:`~povmodel.risk.classifier` and :mod:`~povmodel.risk.evaluate`.
"""
