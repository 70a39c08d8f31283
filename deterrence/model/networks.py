"""Networks of the campaign: supply routes, territory, entry.

Three small, immutable descriptions that :class:`~deterrence.Campaign` reads; every graph
computation goes through networkx's own algorithms (min-cost flows, shortest paths,
connected components).

* :class:`SupplyNetwork` — a directed graph from organizations to U.S. distribution hubs.
  Edge ``(org, hub)`` carries ``volume`` (current flow, ``>= 0``), ``capacity`` (``>=
  volume``, default ``volume``: no spare capacity) and ``cost`` (per unit, ``>= 0``,
  default 0). A hub may carry ``demand`` (default: the sum of its incoming volumes) and
  ``us`` (default True: a U.S. hub, exposed to U.S. enforcement). An organization earns
  ``price * volume``; its *U.S. exposure* is the share of its volume that flows through
  U.S. hubs. When organizations are destroyed, the hubs they supplied *re-source* the lost
  volume from the survivors' spare capacity (``capacity - volume`` on each edge), by one of
  two rules: ``"min_cost"`` (the cheapest feasible re-routing, a min-cost max-flow:
  :func:`networkx.max_flow_min_cost`) or ``"proportional"`` (each hub splits its lost
  volume among its surviving suppliers in proportion to their spare capacity, capped at
  it). Re-sourcing always starts from the baseline flows, so the volumes of a survivor set
  do not depend on the order in which the others fell (the campaign stays Markov).
* :class:`Territory` — an undirected graph of who borders whom, with a ``rent`` per
  organization (the value of its territory). When an organization is destroyed its
  territory is contested by its surviving neighbours (within ``reach`` steps, by
  :func:`networkx.single_source_shortest_path_length`) in a Tullock contest: the vacuum
  upsurge, whose total violence has the closed form of :func:`tullock_vacuum`. The same
  graph names the rivals whose violence the authorities confuse
  (:meth:`Territory.attribution`).
* :class:`Entry` — when an organization is destroyed, a splinter (or a new entrant in its
  place) appears with a probability, and needs at least ``break_in`` violence to establish
  itself (its lowest violence level).

Examples
--------
>>> import networkx as nx
>>> import deterrence as dt
>>> g = nx.DiGraph()
>>> g.add_edge("A", "Chicago", volume=2.0, capacity=2.0)
>>> g.add_edge("B", "Chicago", volume=1.0, capacity=3.0)
>>> net = dt.SupplyNetwork(graph=g)
>>> net.volumes(["B"])     # Chicago re-sources A's 2 units from B's spare capacity
{'B': 3.0}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from .._validation import check_choice, check_int, check_probability, check_real
from ..errors import DeterrenceError
from .attribution import confusion_matrix

__all__ = ["Entry", "SupplyNetwork", "Territory", "tullock_net_rent", "tullock_vacuum"]

RESOURCING = ("min_cost", "proportional", "none")

#: Flows are solved in integer units of this fraction of the total volume (networkx's
#: network simplex is exact on integers only).
_FLOW_RESOLUTION = 1e-9


def tullock_vacuum(rent: float, n: int, cost: float) -> float:
    """Total violence of the successor contest over a vacated territory.

    ``n`` contestants fight over a rent ``R`` in a Tullock lottery contest with linear cost
    ``c`` per unit of violence: contestant ``i`` wins with probability ``x_i / X`` (``X =
    sum_j x_j``) and earns ``R x_i / X - c x_i``.

    Derivation. The first-order condition ``R (X - x_i) / X**2 = c`` holds for every
    contestant; at the symmetric equilibrium ``X = n x`` it reads ``R (n - 1) x / (n x)**2 =
    c``, so ``x = R (n - 1) / (n**2 c)`` and the total upsurge is::

        X = R (n - 1) / (n c).

    (Each contestant's payoff ``R/n - c x = R / n**2 >= 0``, so participation is rational;
    the payoff is concave in ``x_i``, so the condition is sufficient.) One contestant takes
    the territory without a fight (``X = 0``); the upsurge rises with ``n`` towards ``R /
    c``: the more neighbours, the bloodier the vacuum.

    Parameters
    ----------
    rent
        ``R >= 0``, the value of the vacated territory.
    n
        Number of contestants ``>= 0`` (0 or 1: no contest).
    cost
        ``c > 0``, the marginal cost of violence.

    Examples
    --------
    >>> from deterrence.model.networks import tullock_vacuum
    >>> tullock_vacuum(6.0, 3, 2.0)     # 6 * 2 / (3 * 2)
    2.0
    >>> tullock_vacuum(6.0, 1, 2.0)
    0.0
    """
    rent = check_real("rent", rent, low=0.0)
    n = check_int("n", n, low=0)
    cost = check_real("cost", cost, low=0.0, low_open=True)
    if n <= 1:
        return 0.0
    return rent * (n - 1) / (n * cost)


def tullock_net_rent(rent: float, n: int) -> float:
    """Each contestant's net payoff in the successor contest over a vacated territory.

    The contest of :func:`tullock_vacuum` (``n`` contestants, rent ``R``, linear cost ``c``
    per unit of violence). Derivation: at the symmetric equilibrium each spends ``c x = R
    (n - 1) / n**2`` and wins with probability ``1/n``, so it nets::

        R / n - R (n - 1) / n**2 = R / n**2,

    whatever the cost ``c``: the contestants together keep ``R / n`` and dissipate the rest.
    A lone contestant takes the whole rent (``n = 1``: ``R``); nobody gets anything when
    nobody contests (``n = 0``). This is what a survivor expects from a rival's destruction
    with ``dt.Campaign(..., vacuum_values=True)``.

    Parameters
    ----------
    rent
        ``R >= 0``, the value of the vacated territory.
    n
        Number of contestants ``>= 0``.

    Examples
    --------
    >>> from deterrence.model.networks import tullock_net_rent
    >>> tullock_net_rent(8.0, 2), tullock_net_rent(9.0, 3), tullock_net_rent(5.0, 1)
    (2.0, 1.0, 5.0)
    """
    rent = check_real("rent", rent, low=0.0)
    n = check_int("n", n, low=0)
    return 0.0 if n == 0 else rent / n**2


def _check_names(where: str, nodes: Iterable[Any], names: Sequence[str]) -> None:
    known = set(names)
    unknown = sorted(str(x) for x in nodes if x not in known)
    if unknown:
        raise DeterrenceError(
            f"{where} names unknown organization(s) {unknown}; the model's organizations are "
            f"{list(names)}"
        )


def _edge_number(graph: Any, u: Any, v: Any, key: str, value: Any, *, low: float) -> float:
    try:
        return check_real(f"graph edge ({u!r}, {v!r}) {key}", value, low=low)
    except DeterrenceError as exc:
        raise DeterrenceError(str(exc)) from None


@dataclass(frozen=True, kw_only=True, eq=False)
class SupplyNetwork:
    """Organizations supplying U.S. distribution hubs (see the module docstring).

    Parameters
    ----------
    graph
        A :class:`networkx.DiGraph` with edges ``organization -> hub`` carrying ``volume``
        (required, ``>= 0``), ``capacity`` (``>= volume``, default ``volume``) and ``cost``
        (``>= 0``, default 0); hub attributes ``demand`` (default: its incoming volume)
        and ``us`` (default True). A node is an organization if it has outgoing edges and a
        hub if it has incoming ones, never both. The graph is copied.
    price
        Revenue per unit of volume (``> 0``).
    resourcing
        ``"min_cost"``, ``"proportional"`` or ``"none"`` (lost volume is not replaced).

    Examples
    --------
    Two suppliers of one hub; B has 2 units of spare capacity, C has 1 at a lower cost.
    When A (3 units) falls, min-cost flow takes C's unit first, then B's two; the
    proportional rule also takes everything (the spare capacity is exactly the loss).

    >>> import networkx as nx
    >>> import deterrence as dt
    >>> g = nx.DiGraph()
    >>> g.add_edge("A", "LA", volume=3.0)
    >>> g.add_edge("B", "LA", volume=1.0, capacity=3.0, cost=2.0)
    >>> g.add_edge("C", "LA", volume=1.0, capacity=2.0, cost=1.0)
    >>> dt.SupplyNetwork(graph=g).volumes(["B", "C"])
    {'B': 3.0, 'C': 2.0}
    >>> dt.SupplyNetwork(graph=g).shares(["B", "C"]).round(3).tolist()
    [0.6, 0.4]
    """

    graph: Any
    price: float = 1.0
    resourcing: str = "min_cost"

    def __post_init__(self) -> None:
        if not isinstance(self.graph, nx.DiGraph) or self.graph.is_multigraph():
            raise DeterrenceError(
                f"graph={self.graph!r} is not valid; expected a networkx.DiGraph with edges "
                "organization -> hub"
            )
        object.__setattr__(self, "price", check_real("price", self.price, low=0.0, low_open=True))
        check_choice("resourcing", self.resourcing, RESOURCING)
        g = nx.DiGraph()
        for u, v, data in self.graph.edges(data=True):
            if "volume" not in data:
                raise DeterrenceError(
                    f"graph edge ({u!r}, {v!r}) has no volume; expected a volume >= 0 on "
                    "every edge organization -> hub"
                )
            vol = _edge_number(self.graph, u, v, "volume", data["volume"], low=0.0)
            cap = _edge_number(self.graph, u, v, "capacity", data.get("capacity", vol), low=0.0)
            if cap < vol:
                raise DeterrenceError(
                    f"graph edge ({u!r}, {v!r}) capacity={cap!r} is below its volume {vol!r}; "
                    "expected capacity >= volume"
                )
            cost = _edge_number(self.graph, u, v, "cost", data.get("cost", 0.0), low=0.0)
            g.add_edge(u, v, volume=vol, capacity=cap, cost=cost)
        orgs = [n for n in self.graph.nodes if self.graph.out_degree(n) > 0]
        hubs = [n for n in self.graph.nodes if self.graph.in_degree(n) > 0]
        both = sorted(str(x) for x in set(orgs) & set(hubs))
        if both:
            raise DeterrenceError(
                f"graph node(s) {both} both supply and receive; expected edges from "
                "organizations to hubs only"
            )
        if not orgs:
            raise DeterrenceError("graph has no edges; expected edges organization -> hub")
        for h in hubs:
            data = self.graph.nodes[h]
            inflow = sum(g.edges[u, h]["volume"] for u in g.predecessors(h))
            demand = check_real(f"graph hub {h!r} demand", data.get("demand", inflow), low=0.0)
            g.nodes[h]["demand"] = demand
            g.nodes[h]["us"] = bool(data.get("us", True))
        object.__setattr__(self, "graph", g)
        object.__setattr__(self, "_orgs", tuple(orgs))
        object.__setattr__(self, "_hubs", tuple(hubs))

    # ------------------------------------------------------------------ structure
    @property
    def organizations(self) -> tuple[Any, ...]:
        """The supplying nodes, in graph order."""
        return self._orgs  # type: ignore[attr-defined]

    @property
    def hubs(self) -> tuple[Any, ...]:
        """The receiving nodes (distribution hubs), in graph order."""
        return self._hubs  # type: ignore[attr-defined]

    def check_organizations(self, names: Sequence[str]) -> None:
        """Refuse a graph naming organizations that the model does not have."""
        _check_names("supply graph", self.organizations, names)

    # ------------------------------------------------------------------ flows
    def flows(self, survivors: Iterable[Any] | None = None) -> dict[tuple[Any, Any], float]:
        """Edge flows after the hubs re-source the volume lost with the non-survivors.

        ``survivors=None`` means every organization (the baseline volumes).
        """
        g = self.graph
        alive = set(self.organizations if survivors is None else survivors)
        flow = {(u, v): (d["volume"] if u in alive else 0.0) for u, v, d in g.edges(data=True)}
        if alive >= set(self.organizations) or self.resourcing == "none":
            return flow
        lost = {
            h: sum(g.edges[u, h]["volume"] for u in g.predecessors(h) if u not in alive)
            for h in self.hubs
        }
        spare = {
            (u, v): d["capacity"] - d["volume"] for u, v, d in g.edges(data=True) if u in alive
        }
        if self.resourcing == "proportional":
            for h, loss in lost.items():
                edges = [(u, h) for u in g.predecessors(h) if u in alive]
                total = sum(spare[e] for e in edges)
                if loss <= 0 or total <= 0:
                    continue
                frac = min(1.0, loss / total)
                for e in edges:
                    flow[e] += frac * spare[e]
            return flow
        extra = self._min_cost_extra(lost, spare)
        for e, x in extra.items():
            flow[e] += x
        return flow

    def _min_cost_extra(
        self, lost: Mapping[Any, float], spare: Mapping[tuple[Any, Any], float]
    ) -> dict[tuple[Any, Any], float]:
        """Cheapest re-routing of the lost volume over the spare capacity (max flow first,
        then min cost), solved in integer units by networkx's network simplex."""
        total = sum(lost.values())
        if total <= 0:
            return {}
        unit = _FLOW_RESOLUTION * max(total, max(spare.values(), default=0.0), 1e-300)
        costs = [self.graph.edges[e]["cost"] for e in spare]
        cunit = max(max(costs, default=0.0), 1e-300) * 1e-9
        src, snk = ("__source__",), ("__sink__",)
        f = nx.DiGraph()
        for (u, h), s in spare.items():
            if s <= 0 or lost.get(h, 0.0) <= 0:
                continue
            f.add_edge(src, ("org", u), capacity=np.inf)
            f.add_edge(
                ("org", u),
                ("hub", h),
                capacity=round(s / unit),
                weight=round(self.graph.edges[u, h]["cost"] / cunit),
            )
        for h, loss in lost.items():
            if loss > 0 and ("hub", h) in f:
                f.add_edge(("hub", h), snk, capacity=round(loss / unit))
        if src not in f or snk not in f:
            return {}
        sol = nx.max_flow_min_cost(f, src, snk)
        out = {}
        for (u, h), s in spare.items():
            x = sol.get(("org", u), {}).get(("hub", h), 0)
            if x:
                out[(u, h)] = min(s, x * unit)
        return out

    def volumes(self, survivors: Iterable[Any] | None = None) -> dict[Any, float]:
        """Each surviving organization's total volume after re-sourcing."""
        alive = list(self.organizations if survivors is None else survivors)
        fl = self.flows(alive)
        out = dict.fromkeys(alive, 0.0)
        for (u, _), x in fl.items():
            if u in out:
                out[u] += float(x)
        return out

    def shares(self, survivors: Sequence[Any]) -> NDArray[np.float64]:
        """Market shares (volume shares) of ``survivors``, in their order (equal if no one
        ships anything)."""
        vol = self.volumes(survivors)
        v = np.array([vol.get(u, 0.0) for u in survivors], dtype=float)
        tot = v.sum()
        return v / tot if tot > 0 else np.full(len(v), 1.0 / max(len(v), 1))

    def revenue(self, survivors: Sequence[Any] | None = None) -> dict[Any, float]:
        """``price * volume`` of each surviving organization."""
        return {u: self.price * x for u, x in self.volumes(survivors).items()}

    def exposure(self, survivors: Sequence[Any] | None = None) -> dict[Any, float]:
        """Share of each surviving organization's volume flowing through U.S. hubs."""
        alive = list(self.organizations if survivors is None else survivors)
        fl = self.flows(alive)
        tot = dict.fromkeys(alive, 0.0)
        us = dict.fromkeys(alive, 0.0)
        for (u, h), x in fl.items():
            if u in tot:
                tot[u] += x
                if self.graph.nodes[h]["us"]:
                    us[u] += x
        return {u: (us[u] / tot[u] if tot[u] > 0 else 0.0) for u in alive}

    def unmet_demand(self, survivors: Iterable[Any]) -> float:
        """Hub demand left unsupplied after re-sourcing (the supply actually disrupted)."""
        fl = self.flows(survivors)
        delivered = dict.fromkeys(self.hubs, 0.0)
        for (_, h), x in fl.items():
            delivered[h] += x
        return float(sum(max(0.0, self.graph.nodes[h]["demand"] - delivered[h]) for h in self.hubs))


@dataclass(frozen=True, kw_only=True, eq=False)
class Territory:
    """Who borders whom, and what each organization's territory is worth.

    Parameters
    ----------
    graph
        A :class:`networkx.Graph` whose nodes are organization names and whose edges are
        borders (contested plazas). Node attribute ``rent`` (``>= 0``, default
        ``default_rent``) is the value of the organization's territory. Copied.
    cost
        ``c > 0``: marginal cost of violence in a successor contest.
    reach
        Contestants of a vacated territory are the survivors within ``reach`` border
        steps (shortest-path distance) of it; 1 = its direct neighbours.
    default_rent
        Rent of nodes without a ``rent`` attribute.

    Examples
    --------
    >>> import networkx as nx
    >>> import deterrence as dt
    >>> t = dt.Territory(graph=nx.path_graph(["A", "B", "C"]), cost=0.5, default_rent=2.0)
    >>> t.contestants("B", ["A", "C"])
    ('A', 'C')
    >>> t.vacuum("B", ["A", "C"])     # R (n-1)/(n^2 c) = 2 * 1 / (4 * 0.5) each
    {'A': 1.0, 'C': 1.0}
    """

    graph: Any
    cost: float = 1.0
    reach: int = 1
    default_rent: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.graph, nx.Graph) or self.graph.is_directed():
            raise DeterrenceError(
                f"graph={self.graph!r} is not valid; expected an undirected networkx.Graph of "
                "borders between organizations"
            )
        object.__setattr__(self, "cost", check_real("cost", self.cost, low=0.0, low_open=True))
        object.__setattr__(self, "reach", check_int("reach", self.reach, low=1))
        object.__setattr__(
            self, "default_rent", check_real("default_rent", self.default_rent, low=0.0)
        )
        g = nx.Graph()
        for n, data in self.graph.nodes(data=True):
            rent = check_real(
                f"graph node {n!r} rent", data.get("rent", self.default_rent), low=0.0
            )
            g.add_node(n, rent=rent)
        g.add_edges_from((u, v) for u, v in self.graph.edges if u != v)
        object.__setattr__(self, "graph", g)

    def check_organizations(self, names: Sequence[str]) -> None:
        """Refuse a graph naming organizations that the model does not have."""
        _check_names("territory graph", self.graph.nodes, names)

    def rent(self, org: Any) -> float:
        """The value of ``org``'s territory (0 if it is not on the map)."""
        return float(self.graph.nodes[org]["rent"]) if org in self.graph else 0.0

    def contestants(self, destroyed: Any, survivors: Iterable[Any]) -> tuple[Any, ...]:
        """Survivors within ``reach`` steps of ``destroyed``, in the order given."""
        if destroyed not in self.graph:
            return ()
        near = nx.single_source_shortest_path_length(self.graph, destroyed, cutoff=self.reach)
        return tuple(s for s in survivors if s != destroyed and s in near)

    def vacuum(self, destroyed: Any, survivors: Iterable[Any]) -> dict[Any, float]:
        """Each contestant's violence in the successor contest over ``destroyed``'s
        territory: ``R (n - 1) / (n**2 c)`` each (see :func:`tullock_vacuum`)."""
        who = self.contestants(destroyed, survivors)
        total = tullock_vacuum(self.rent(destroyed), len(who), self.cost)
        return {s: total / len(who) for s in who} if who else {}

    def rivals(self, names: Sequence[str]) -> list[tuple[int, int]]:
        """Bordering pairs as index pairs into ``names`` (for misattribution)."""
        pos = {n: k for k, n in enumerate(names)}
        return sorted(
            (min(pos[u], pos[v]), max(pos[u], pos[v]))
            for u, v in self.graph.edges
            if u in pos and v in pos
        )

    def attribution(self, names: Sequence[str], rate: float) -> NDArray[np.float64]:
        """An attribution matrix confusing bordering rivals at ``rate``
        (:func:`~deterrence.model.attribution.confusion_matrix` over the graph's edges)."""
        self.check_organizations(names)
        return confusion_matrix(len(names), rate, pairs=self.rivals(names))

    def regions(self, survivors: Iterable[Any]) -> list[set[Any]]:
        """Connected regions of the border graph among ``survivors``."""
        return [set(c) for c in nx.connected_components(self.graph.subgraph(list(survivors)))]


@dataclass(frozen=True, kw_only=True)
class Entry:
    """Splinters and entrants: who takes a destroyed organization's place.

    When an organization is destroyed, a splinter (or a new entrant on its routes) appears
    in its place with probability ``probability`` (a scalar or one per organization). The
    entrant inherits the destroyed organization's parameters, supply routes and territory,
    but not its franchise value, and it must be violent to break in: its lowest violence
    level is the smallest grid level ``>= break_in``. An entrant that is itself destroyed
    is not replaced (the state graph stays acyclic).

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.Entry(probability=0.5, break_in=2.0)
    Entry(probability=0.5, break_in=2.0)
    """

    probability: Any = 0.5
    break_in: float = 0.0

    def __post_init__(self) -> None:
        if np.ndim(self.probability) == 0:
            object.__setattr__(
                self, "probability", check_probability("probability", self.probability)
            )
        else:
            arr = tuple(
                check_probability(f"probability[{k}]", p)
                for k, p in enumerate(np.asarray(self.probability, dtype=float).tolist())
            )
            object.__setattr__(self, "probability", arr)
        object.__setattr__(self, "break_in", check_real("break_in", self.break_in, low=0.0))

    def probabilities(self, n: int) -> NDArray[np.float64]:
        """One probability per organization."""
        if isinstance(self.probability, tuple):
            if len(self.probability) != n:
                raise DeterrenceError(
                    f"entry.probability has {len(self.probability)} entries; expected {n} (one "
                    "per organization) or a scalar"
                )
            return np.array(self.probability)
        return np.full(n, float(self.probability))
