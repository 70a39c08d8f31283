"""Supply re-sourcing, territory vacuum and entry on hand-built networks."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import deterrence as dt
from deterrence.model.networks import tullock_vacuum


def supply_graph():
    g = nx.DiGraph()
    g.add_edge("A", "LA", volume=3.0)
    g.add_edge("B", "LA", volume=1.0, capacity=3.0, cost=2.0)
    g.add_edge("C", "LA", volume=1.0, capacity=2.0, cost=1.0)
    g.add_edge("A", "NY", volume=2.0)
    g.add_edge("C", "NY", volume=1.0, capacity=4.0, cost=5.0)
    g.add_node("NY", us=True)
    return g


def test_min_cost_resourcing_by_hand():
    net = dt.SupplyNetwork(graph=supply_graph())
    # A falls: LA loses 3 (spare B 2 @ 2, C 1 @ 1 -> all 3), NY loses 2 (C's spare 3 @ 5)
    fl = net.flows(["B", "C"])
    assert fl[("B", "LA")] == pytest.approx(3.0)
    assert fl[("C", "LA")] == pytest.approx(2.0)
    assert fl[("C", "NY")] == pytest.approx(3.0)
    assert net.unmet_demand(["B", "C"]) == pytest.approx(0.0, abs=1e-6)
    # B and C fall: A has no spare capacity, 2 + 2 units are lost
    assert net.unmet_demand(["A"]) == pytest.approx(3.0)
    assert net.volumes(None) == {"A": 5.0, "B": 1.0, "C": 2.0}


def test_min_cost_prefers_cheap_capacity():
    g = nx.DiGraph()
    g.add_edge("A", "H", volume=2.0)
    g.add_edge("B", "H", volume=0.0, capacity=5.0, cost=3.0)
    g.add_edge("C", "H", volume=0.0, capacity=1.5, cost=1.0)
    net = dt.SupplyNetwork(graph=g)
    fl = net.flows(["B", "C"])
    assert fl[("C", "H")] == pytest.approx(1.5) and fl[("B", "H")] == pytest.approx(0.5)


def test_proportional_resourcing_by_hand():
    g = nx.DiGraph()
    g.add_edge("A", "H", volume=3.0)
    g.add_edge("B", "H", volume=1.0, capacity=5.0)  # spare 4
    g.add_edge("C", "H", volume=1.0, capacity=3.0)  # spare 2
    net = dt.SupplyNetwork(graph=g, resourcing="proportional")
    v = net.volumes(["B", "C"])
    assert v["B"] == pytest.approx(1 + 3 * 4 / 6) and v["C"] == pytest.approx(1 + 3 * 2 / 6)
    # not enough spare: everything spare is used, the rest is unmet
    g2 = nx.DiGraph()
    g2.add_edge("A", "H", volume=10.0)
    g2.add_edge("B", "H", volume=1.0, capacity=2.0)
    net2 = dt.SupplyNetwork(graph=g2, resourcing="proportional")
    assert net2.volumes(["B"]) == {"B": 2.0}
    assert net2.unmet_demand(["B"]) == pytest.approx(9.0)
    none = dt.SupplyNetwork(graph=g, resourcing="none")
    assert none.volumes(["B", "C"]) == {"B": 1.0, "C": 1.0}


def test_revenue_exposure_and_shares():
    g = supply_graph()
    g.add_edge("B", "Toronto", volume=1.0)
    g.nodes["Toronto"]["us"] = False
    net = dt.SupplyNetwork(graph=g, price=2.0)
    assert net.revenue()["B"] == pytest.approx(4.0)
    assert net.exposure()["B"] == pytest.approx(0.5)
    assert net.exposure()["A"] == pytest.approx(1.0)
    assert net.shares(["A", "B", "C"]).sum() == pytest.approx(1.0)


def test_supply_sets_the_next_states_market():
    m = dt.TargetingModel(
        n_orgs=3,
        levels=[0.0, 1.0],
        names=["A", "B", "C"],
        market=dt.Market(revenue=1.0, shares=[1 / 3] * 3),
    )
    net = dt.SupplyNetwork(graph=supply_graph())
    camp = dt.Campaign(m, supply=net)
    s = next(s for s in range(camp.n_states) if camp.state_info(s)["active"] == (1, 2))
    mk = camp.stage(s).sub.model.market
    assert mk.shares == pytest.approx((3 / 8, 5 / 8))  # B 3, C 2 + 3
    assert mk.revenue == pytest.approx(1.0)  # all demand re-sourced


@pytest.mark.parametrize(("R", "n", "c"), [(1.0, 2, 1.0), (6.0, 3, 2.0), (5.0, 7, 0.3)])
def test_tullock_vacuum_closed_form_is_an_equilibrium(R, n, c):
    total = tullock_vacuum(R, n, c)
    x = total / n
    # no contestant gains by a different effort (a fine grid around x), others at x
    others = (n - 1) * x
    grid = np.linspace(0, 3 * x, 3001)
    payoff = R * grid / (grid + others) - c * grid
    mine = R * x / (x + others) - c * x
    assert payoff.max() <= mine + 1e-9
    assert mine == pytest.approx(R / n**2)
    assert total == pytest.approx(R * (n - 1) / (n * c))


def test_territory_vacuum_and_rivals():
    g = nx.Graph()
    g.add_edges_from([("A", "B"), ("B", "C"), ("C", "D")])
    g.nodes["B"]["rent"] = 4.0
    t = dt.Territory(graph=g, cost=1.0)
    assert t.contestants("B", ["A", "C", "D"]) == ("A", "C")
    assert t.vacuum("B", ["A", "C", "D"]) == {"A": 1.0, "C": 1.0}  # 4 * 1 / (4 * 1)
    assert t.vacuum("B", ["A", "D"]) == {"A": 0.0}  # one contestant
    far = dt.Territory(graph=g, reach=2)
    assert far.contestants("B", ["A", "C", "D"]) == ("A", "C", "D")
    att = t.attribution(["A", "B", "C", "D"], 0.2)
    assert att[1].tolist() == pytest.approx([0.1, 0.8, 0.1, 0.0])
    assert [sorted(r) for r in t.regions(["A", "C", "D"])] == [["A"], ["C", "D"]]


def test_bad_networks():
    g = nx.DiGraph()
    g.add_edge("A", "H", volume=-1.0)
    with pytest.raises(dt.DeterrenceError, match="volume"):
        dt.SupplyNetwork(graph=g)
    g = nx.DiGraph()
    g.add_edge("A", "H", volume=2.0, capacity=1.0)
    with pytest.raises(dt.DeterrenceError, match="capacity"):
        dt.SupplyNetwork(graph=g)
    g = nx.DiGraph()
    g.add_edge("A", "H")
    with pytest.raises(dt.DeterrenceError, match="no volume"):
        dt.SupplyNetwork(graph=g)
    g = nx.DiGraph()
    g.add_edge("A", "H", volume=1.0)
    g.add_edge("H", "K", volume=1.0)
    with pytest.raises(dt.DeterrenceError, match="both supply and receive"):
        dt.SupplyNetwork(graph=g)
    with pytest.raises(dt.DeterrenceError, match="DiGraph"):
        dt.SupplyNetwork(graph=nx.Graph())
    with pytest.raises(dt.DeterrenceError, match="resourcing"):
        dt.SupplyNetwork(graph=supply_graph(), resourcing="magic")
    with pytest.raises(dt.DeterrenceError, match="undirected"):
        dt.Territory(graph=nx.DiGraph())
    bad = nx.Graph()
    bad.add_node("A", rent=-1)
    with pytest.raises(dt.DeterrenceError, match="rent"):
        dt.Territory(graph=bad)
    with pytest.raises(dt.DeterrenceError, match="probability"):
        dt.Entry(probability=1.2)
    with pytest.raises(dt.DeterrenceError, match="one per organization"):
        dt.Campaign(
            dt.TargetingModel(n_orgs=3, levels=[0, 1]), entry=dt.Entry(probability=[0.5, 0.5])
        )
    with pytest.raises(dt.DeterrenceError, match="cost"):
        tullock_vacuum(1.0, 2, 0.0)


@pytest.mark.parametrize(("rent", "n", "cost"), [(8.0, 2, 1.0), (9.0, 3, 0.5), (5.0, 4, 2.0)])
def test_tullock_net_rent_is_the_equilibrium_payoff(rent, n, cost):
    from scipy.optimize import minimize_scalar

    from deterrence.model.networks import tullock_net_rent, tullock_vacuum

    x = tullock_vacuum(rent, n, cost) / n
    others = (n - 1) * x

    def payoff(y):
        return rent * y / (y + others) - cost * y

    # x is a best response to the others at x (independent numerical check) ...
    best = minimize_scalar(lambda y: -payoff(y), bounds=(0.0, rent / cost), method="bounded")
    assert best.x == pytest.approx(x, rel=1e-4)
    # ... and the payoff there is the closed form R / n**2
    assert payoff(x) == pytest.approx(tullock_net_rent(rent, n), rel=1e-12)
    assert tullock_net_rent(rent, 1) == rent and tullock_net_rent(rent, 0) == 0.0
