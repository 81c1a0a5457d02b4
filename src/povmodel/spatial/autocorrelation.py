"""Global and local Moran's I (esda) of a value by province or district.

Weights are row-standardised copies of the binary weights (:mod:`povmodel.spatial.weights`).
Inference is by permutation with a seed: esda draws from numpy's global random state, so the
state is seeded for the call and restored afterwards (the caller's random stream is untouched).
Local pseudo p-values are folded (the share of conditional permutations at least as extreme on
the side of the observed Ii, as GeoDa reports them); ``fdr=True`` applies the Benjamini-Hochberg
cut-off (:func:`esda.fdr`) to them.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from povmodel.errors import PovmodelError
from povmodel.spatial.weights import SpatialWeights, aligned_values, as_w, binary_copy

#: Quadrants of the Moran scatter plot, by esda's code (1 HH, 2 LH, 3 LL, 4 HL).
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Cluster label of a significant unit by quadrant.
CLUSTERS = {"HH": "hot spot", "LL": "cold spot", "HL": "high-low outlier", "LH": "low-high outlier"}
NOT_SIGNIFICANT = "not significant"
#: Map category of a unit drawn but left out of the analysis (no value).
NO_VALUE = "no value"
#: The usual LISA cluster-map colours (as in PySAL's splot).
CLUSTER_COLOURS = {"hot spot": "#d7191c", "cold spot": "#2c7bb6", "high-low outlier": "#fdae61",
                   "low-high outlier": "#abd9e9", NOT_SIGNIFICANT: "#d3d3d3"}
_CLUSTER_TEXT = {
    "vi": {"hot spot": "Điểm nóng (cao–cao)", "cold spot": "Điểm lạnh (thấp–thấp)",
           "high-low outlier": "Ngoại lai cao–thấp", "low-high outlier": "Ngoại lai thấp–cao",
           NOT_SIGNIFICANT: "Không có ý nghĩa thống kê", NO_VALUE: "Không có số liệu"},
    "en": {"hot spot": "Hot spot (high–high)", "cold spot": "Cold spot (low–low)",
           "high-low outlier": "High–low outlier", "low-high outlier": "Low–high outlier",
           NOT_SIGNIFICANT: "Not significant", NO_VALUE: "No value"},
}
_MAP_TITLE = {"vi": "Cụm không gian LISA (Moran cục bộ)", "en": "LISA clusters (local Moran's I)"}
_MAP_NOTE = {"vi": "Mức ý nghĩa {alpha:g}{fdr}, {perms} hoán vị",
             "en": "Significance {alpha:g}{fdr}, {perms} permutations"}
_FDR_TEXT = {"vi": " (kiểm soát FDR)", "en": " (FDR-controlled)"}


@contextlib.contextmanager
def _seeded(seed: int | None):
    """Seed numpy's global random state (used by esda) for a block, then restore it."""
    if seed is None:  # a fresh draw from the current state, which moves on as usual
        yield
        return
    state = np.random.get_state()  # noqa: NPY002 (esda draws from the legacy global state)
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _prepare(values: pd.Series, weights, missing: str):
    """Values and a fresh binary ``W`` over the units with a value; raises on units left
    without neighbours (their lag would be 0 and bias I)."""
    w = as_w(weights)
    y = aligned_values(values, w, missing=missing).dropna()
    if len(y) < 3:
        raise PovmodelError(f"Moran's I needs at least 3 units with a value, got {len(y)}")
    if np.isclose(y.std(), 0):
        raise PovmodelError("Moran's I is undefined for a constant value")
    wk = binary_copy(w, y.index.tolist())
    alone = [i for i in wk.id_order if not wk.neighbors[i]]
    if alone:
        raise PovmodelError(f"{len(alone)} units have no neighbour among the units with a value, e.g. "
                            f"{alone[:5]}; use contiguity weights with islands='nearest' or k-nearest weights")
    return y, wk


def _check_permutations(permutations: int, minimum: int = 0) -> int:
    if not isinstance(permutations, int | np.integer) or permutations < minimum:
        raise PovmodelError(f"permutations must be an integer >= {minimum}, got {permutations!r}")
    return int(permutations)


@dataclass(frozen=True)
class GlobalMoranResults:
    """Global Moran's I with its inference.

    Attributes
    ----------
    i, expected
        Moran's I and its expectation under no autocorrelation, -1/(n-1).
    z_norm, p_norm
        z-score and two-sided p-value under the normality assumption.
    p_sim, z_sim
        Folded pseudo p-value (``(m + 1) / (permutations + 1)``) and z-score from the
        permutations (NaN without permutations).
    n, permutations, seed
        Units used, permutations drawn and the seed.
    """

    i: float
    expected: float
    z_norm: float
    p_norm: float
    p_sim: float
    z_sim: float
    n: int
    permutations: int
    seed: int | None
    moran: object = field(repr=False, default=None)

    def summary(self) -> str:
        """One readable line."""
        sim = f", pseudo p = {self.p_sim:.4f} ({self.permutations} permutations, seed {self.seed})" \
            if self.permutations else ""
        return (f"Moran's I = {self.i:.4f} (E[I] = {self.expected:.4f}, n = {self.n}); z = {self.z_norm:.2f}, "
                f"p (normal) = {self.p_norm:.3g}{sim}")


def global_moran(values: pd.Series, w, *, permutations: int = 999, seed: int | None, missing: str = "raise"
                 ) -> GlobalMoranResults:
    """Global Moran's I of ``values`` (indexed by code) with row-standardised weights (esda.Moran).

    Parameters
    ----------
    values
        Numbers indexed by unit code.
    w
        :class:`~povmodel.spatial.weights.SpatialWeights` or a libpysal ``W``.
    permutations
        Random permutations for the pseudo p-value (0: analytic inference only).
    seed
        Seed of the permutations (same seed, same p-value); ``None`` draws from numpy's state.
    missing
        ``"raise"`` or ``"exclude"`` (units without a value are dropped from the weights).
    """
    from esda import Moran

    permutations = _check_permutations(permutations)
    y, wk = _prepare(values, w, missing)
    with _seeded(seed):
        m = Moran(y.to_numpy(), wk, transformation="r", permutations=permutations, two_tailed=True)
    sim = permutations > 0
    return GlobalMoranResults(i=float(m.I), expected=float(m.EI), z_norm=float(m.z_norm), p_norm=float(m.p_norm),
                              p_sim=float(m.p_sim) if sim else np.nan, z_sim=float(m.z_sim) if sim else np.nan,
                              n=len(y), permutations=permutations, seed=seed, moran=m)


@dataclass(frozen=True)
class LocalMoranResults:
    """Local Moran's I (LISA) of every unit.

    Attributes
    ----------
    table
        One row per unit: ``code``, ``name``, ``value``, ``lag`` (mean over the neighbours),
        ``Ii``, ``p_sim``, ``quadrant`` (HH, LL, HL, LH), ``significant`` and ``cluster``
        (hot spot, cold spot, high-low outlier, low-high outlier, not significant).
    alpha, fdr, threshold
        Significance level, whether the Benjamini-Hochberg rule was applied and the p-value
        cut-off used (``p_sim < threshold`` is significant).
    permutations, seed
        Conditional permutations and their seed.
    units
        GeoDataFrame of the units (for :meth:`map`), if the weights carried them.
    """

    table: pd.DataFrame
    alpha: float
    fdr: bool
    threshold: float
    permutations: int
    seed: int | None
    units: object = field(repr=False, default=None)
    moran: object = field(repr=False, default=None)

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """Counts and names of the units in each cluster."""
        t = self.table
        rule = f"Benjamini-Hochberg FDR {self.alpha:g}" if self.fdr else f"alpha {self.alpha:g}"
        lines = [f"Local Moran's I: {len(t)} units, {self.permutations} permutations (seed {self.seed}), "
                 f"{rule}: significant if pseudo p < {self.threshold:.4g}"]
        for cluster in (*CLUSTERS.values(), NOT_SIGNIFICANT):
            part = t[t["cluster"] == cluster]
            names = "" if cluster == NOT_SIGNIFICANT or part.empty else ": " + ", ".join(part["name"].astype(str))
            lines.append(f"  {cluster}: {len(part)}{names}")
        return "\n".join(lines)

    def map(self, boundaries=None, *, regions=None, title: str | None = None, language: str = "vi",
            labels: bool = True):
        """Cluster map with the usual LISA colours.

        Parameters
        ----------
        boundaries
            GeoDataFrame with ``code`` (and ``name``) to draw; defaults to the units of the
            weights (polygons, or points for districts).
        regions
            Optional GeoDataFrame whose borders are drawn on top (e.g. the six regions).
        title
            Figure title; a default in ``language``.
        language
            ``"vi"`` or ``"en"`` for the legend; names are shown as in the data (Vietnamese).
        labels
            Write the names of the significant units.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from matplotlib import patheffects
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch

        if language not in _CLUSTER_TEXT:
            raise PovmodelError(f"unknown language {language!r}; use one of {tuple(_CLUSTER_TEXT)}")
        shapes = self.units if boundaries is None else boundaries
        if shapes is None:
            raise PovmodelError("these results carry no geometry: pass boundaries with a 'code' column")
        if "code" not in shapes:
            raise PovmodelError("boundaries need a 'code' column")
        gdf = shapes.to_crs(4326).merge(self.table[["code", "cluster"]], on="code", how="left")
        gdf["cluster"] = gdf["cluster"].fillna(NO_VALUE)
        colours = gdf["cluster"].map(CLUSTER_COLOURS).fillna("white")
        points = bool((gdf.geom_type == "Point").all())
        fig = Figure(figsize=(6.4, 9.0), dpi=110, layout="constrained")
        ax = fig.add_subplot()
        absent = (gdf["cluster"] == NO_VALUE).to_numpy()
        if points:
            ax.scatter(gdf.geometry.x, gdf.geometry.y, c=colours.tolist(), s=14, edgecolors="#555555", linewidths=0.2)
        else:
            gdf[~absent].plot(ax=ax, color=colours[~absent].tolist(), edgecolor="white", linewidth=0.3)
            if absent.any():
                gdf[absent].plot(ax=ax, color="white", edgecolor="#999999", hatch="///", linewidth=0.3)
        if regions is not None:
            regions.to_crs(4326).boundary.plot(ax=ax, color="#333333", linewidth=0.8)
        if labels:
            significant = gdf[gdf["cluster"].isin(list(CLUSTERS.values()))]
            name = significant["name"] if "name" in significant else significant["code"]
            anchors = significant.geometry if points else significant.geometry.representative_point()
            halo = [patheffects.withStroke(linewidth=1.5, foreground="white")]
            for text, pt in zip(name, anchors, strict=True):
                ax.annotate(str(text), (pt.x, pt.y), fontsize=6, ha="center", va="center", color="#111111",
                            path_effects=halo)
        words = _CLUSTER_TEXT[language]
        counts = gdf["cluster"].value_counts()
        handles = [Patch(facecolor=CLUSTER_COLOURS[c], edgecolor="#555555", label=f"{words[c]} ({counts.get(c, 0)})")
                   for c in (*CLUSTERS.values(), NOT_SIGNIFICANT)]
        if absent.any():
            handles.append(Patch(facecolor="white", edgecolor="#999999", hatch="///",
                                 label=f"{words[NO_VALUE]} ({int(absent.sum())})"))
        note = _MAP_NOTE[language].format(alpha=self.alpha, fdr=_FDR_TEXT[language] if self.fdr else "",
                                          perms=self.permutations)
        ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False, title=note, title_fontsize=7)
        ax.set_title(title or _MAP_TITLE[language], fontsize=11)
        ax.set_axis_off()
        ax.set_aspect("equal")
        return fig


def local_moran(values: pd.Series, w, *, permutations: int = 999, seed: int | None, alpha: float = 0.05,
                fdr: bool = False, missing: str = "raise") -> LocalMoranResults:
    """Local Moran's I of ``values`` (indexed by code) with row-standardised weights
    (esda.Moran_Local) and conditional-permutation pseudo p-values.

    Parameters
    ----------
    values
        Numbers indexed by unit code.
    w
        :class:`~povmodel.spatial.weights.SpatialWeights` (names and geometry are carried to
        the results) or a libpysal ``W``.
    permutations
        Conditional permutations per unit (at least 99).
    seed
        Seed of the permutations (same seed, same p-values).
    alpha
        Significance level.
    fdr
        Apply the Benjamini-Hochberg false discovery rate cut-off (:func:`esda.fdr`) to the
        pseudo p-values instead of ``alpha`` itself; never flags more units.
    missing
        ``"raise"`` or ``"exclude"`` (units without a value are dropped from the weights).
    """
    from esda import Moran_Local
    from esda import fdr as fdr_cutoff

    permutations = _check_permutations(permutations, minimum=99)
    if not 0 < alpha < 1:
        raise PovmodelError(f"alpha must be between 0 and 1, got {alpha!r}")
    y, wk = _prepare(values, w, missing)
    with _seeded(seed), warnings.catch_warnings():
        # the p-values are recomputed from the kept simulations (folded), whatever esda's
        # future default alternative: its deprecation warning does not apply here
        warnings.filterwarnings("ignore", message="The alternative hypothesis", category=DeprecationWarning)
        lm = Moran_Local(y.to_numpy(), wk, transformation="r", permutations=permutations, keep_simulations=True,
                         seed=seed)
    p = np.asarray(lm.p_sim, dtype=float)
    threshold = float(fdr_cutoff(p, alpha)) if fdr else float(alpha)
    quadrant = pd.Series(np.asarray(lm.q)).map(QUADRANTS).to_numpy()
    significant = p < threshold
    cluster = np.where(significant, pd.Series(quadrant).map(CLUSTERS).to_numpy(), NOT_SIGNIFICANT)
    units = w.units if isinstance(w, SpatialWeights) else None
    names = (units.set_index("code")["name"].reindex(y.index).to_numpy() if units is not None
             else np.full(len(y), None, dtype=object))
    links = binary_copy(wk).sparse
    lag = np.asarray(links @ y.to_numpy()).ravel() / np.asarray(links.sum(axis=1)).ravel()
    table = pd.DataFrame({"code": y.index.to_numpy(), "name": names, "value": y.to_numpy(), "lag": lag,
                          "Ii": np.asarray(lm.Is, dtype=float), "p_sim": p, "quadrant": quadrant,
                          "significant": significant, "cluster": cluster})
    return LocalMoranResults(table=table, alpha=float(alpha), fdr=bool(fdr), threshold=threshold,
                             permutations=permutations, seed=seed, units=units, moran=lm)
