"""The model as a whole: invariants under random worlds, determinism, schedules, agents."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from hedgesim.experiments.engine import Setting, replicate_seeds, run_replicates, simulate
from hedgesim.model import compiled
from hedgesim.model import model as model_source
from hedgesim.model.codes import Strategy
from hedgesim.model.compiled import borrowed, entry_point
from hedgesim.model.mechanisms import normal_tilt, recycled
from hedgesim.model.model import (
    DRAWS,
    Draws,
    HedgeModel,
    Simulation,
    run_years,
    uniforms,
    year_draws,
    year_size,
)
from hedgesim.model.records import outcomes
from hedgesim.scenarios.loader import load_scenario
from hedgesim.scenarios.params import BY_NAME

GENERIC = load_scenario("generic")
TUNABLE = [p for p in BY_NAME.values() if not p.choices and p.kind == "float"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), n_small=st.integers(1, 25), n_great=st.integers(2, 5),
       n_partners=st.integers(0, 3), concentration=st.floats(0.05, 5.0),
       activation=st.sampled_from(["synchronous", "random"]),
       tweaks=st.dictionaries(st.sampled_from([p.name for p in TUNABLE]), st.floats(0, 1),
                              max_size=6))
def test_invariants_hold_in_random_worlds(seed, n_small, n_great, n_partners, concentration,
                                          activation, tweaks):
    overrides = {"generic.n_small": n_small, "generic.n_great": n_great,
                 "generic.n_partners": n_partners, "generic.dependency_concentration": concentration,
                 "activation": activation}
    for name, u in tweaks.items():  # anywhere in each parameter's declared range
        p = BY_NAME[name]
        overrides[name] = p.low + u * (p.high - p.low)
    model = HedgeModel(GENERIC, overrides=overrides, steps=15, rng=seed)
    w = model.world
    dead_before = np.zeros(w.n_small, dtype=bool)
    while model.running:
        model.step()
        assert not (dead_before & w.alive).any(), "a dead state came back"
        dead_before = ~w.alive
        assert np.allclose(w.dependency.sum(axis=2), 1.0) and (w.dependency >= -1e-12).all()
        assert ((w.autonomy >= 0) & (w.autonomy <= 1)).all()
        assert (w.autonomy[~w.alive] == 0).all()
        for name in ("alignment", "alliance", "bases", "assurance", "binding", "threat",
                     "gp_threat", "credibility"):
            values = getattr(w, name)
            assert np.isfinite(values).all() and (values >= -1e-12).all() and (
                values <= 1 + 1e-12).all(), name
        assert np.isfinite(w.cap).all() and np.isfinite(w.welfare).all()
        assert ((w.territory >= 0) & (w.territory <= 1)).all() and (w.territory[w.alive] > 0).all()


def test_same_seed_same_run_and_different_seeds_differ():
    a = run_replicates("ukraine", replicates=3, seed=11, series=True)
    b = run_replicates("ukraine", replicates=3, seed=11, series=True)
    assert a.outcomes.equals(b.outcomes) and a.series.equals(b.series)
    runs = [pd.DataFrame(simulate(Setting("generic"), s)[0]) for s in range(4)]
    assert any(not runs[0].equals(r) for r in runs[1:])


@pytest.mark.parametrize(("scenario", "overrides"), [
    ("ukraine", {}), ("vietnam", {}), ("belarus", {"war_intercept": -1.0}),
    ("generic", {"generic.n_small": 25, "activation": "random", "activation_groups": 3}),
    ("generic", {"generic.n_small": 12, "war_territory_loss": 1.0, "war_intercept": 0.0})])
def test_the_batch_path_equals_the_mesa_model_exactly(scenario, overrides):
    """The engine runs a whole horizon in one compiled call; the Mesa model steps it a year at a
    time through Mesa's event loop. Every record and every state array are the same."""
    for seed in (1, 2, 3):
        mesa_model = HedgeModel(scenario, overrides=overrides, rng=seed)
        while mesa_model.running:
            mesa_model.step()
        batch = Simulation(scenario, overrides=overrides, rng=seed).run()
        pd.testing.assert_frame_equal(outcomes(mesa_model), outcomes(batch))
        for a, b in zip(mesa_model.world.state, batch.world.state, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("scenario", ["ukraine", "generic"])
def test_a_replicate_is_the_simulation_its_seed_makes(scenario):
    """The engine builds a setting's world once and starts each seed from a copy
    (``Simulation.replicate``): every state array ends as a fresh ``Simulation`` leaves it, and
    the template is left untouched."""
    template = Simulation(scenario, overrides={"war_intercept": -2.0})
    before = [a.copy() for a in template.world.state]
    for seed in (4, 5):
        twin = template.replicate(seed).run()
        fresh = Simulation(scenario, overrides={"war_intercept": -2.0}, rng=seed).run()
        for a, b in zip(twin.world.state, fresh.world.state, strict=True):
            np.testing.assert_array_equal(a, b)
        assert twin.war_onsets == fresh.war_onsets
    for a, b in zip(template.world.state, before, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="not started"):
        Simulation("ukraine").run().replicate(1)


def test_a_state_that_loses_all_its_territory_has_ended():
    """war_territory_loss = 1 is inside its range: a state defeated in a war then holds no
    territory, and a state with no territory has ended (it is not counted as surviving)."""
    found = 0
    for seed in range(40):
        sim = Simulation("generic", rng=seed, overrides={
            "generic.n_small": 10, "war_territory_loss": 1.0, "war_intercept": 1.0}).run()
        w = sim.world
        assert (w.territory[w.alive] > 0).all()
        gone = w.territory <= 0
        found += int(gone.sum())
        assert not w.alive[gone].any() and (w.end_cause[gone] == 1).all()
    assert found > 0, "the test must see a state lose all its territory"


def test_replicate_seeds_are_stable_and_prefix_consistent():
    assert replicate_seeds(7, 5) == replicate_seeds(7, 10)[:5]
    assert len(set(replicate_seeds(7, 1000))) == 1000
    assert replicate_seeds(7, 3) != replicate_seeds(8, 3)


def test_strategy_arms_share_the_world_and_the_random_stream():
    """Common random numbers: the generic world drawn for a seed is the same in every arm."""
    worlds = [HedgeModel("generic", strategy=s, rng=5).world for s in ("balance", "hedge")]
    assert np.array_equal(worlds[0].cap, worlds[1].cap)
    assert np.array_equal(worlds[0].dependency, worlds[1].dependency)
    assert not np.array_equal(worlds[0].policy, worlds[1].policy)


def test_historical_schedule_is_followed():
    model = HedgeModel("ukraine", rng=0, overrides={"war_intercept": -20, "absorption_rate": 0})
    seen = {}
    while model.running:
        year = model.world.year
        model.step()
        seen[year] = int(model.world.strategy[0])
    assert seen[2004] == 2 and seen[2006] == 0 and seen[2011] == 1 and seen[2015] == 0


def test_fixed_strategy_overrides_the_schedule():
    model = HedgeModel("ukraine", strategy="hedge", rng=0).run()
    assert (model.world.strategy == 2).all()


def test_rng_is_taken_as_mesa_takes_it():
    """An int, a SeedSequence or a Generator; an int and its SeedSequence give the same run."""
    as_int = Simulation("generic", rng=42).run()
    as_sequence = Simulation("generic", rng=np.random.SeedSequence(42)).run()
    assert outcomes(as_int).equals(outcomes(as_sequence))
    generator = HedgeModel("generic", rng=np.random.default_rng(42), steps=3).run()
    assert generator.world.step == 3
    with pytest.raises(TypeError):
        HedgeModel("generic", rng="42")  # the page parses its text box, not the model


def test_str_of_a_strategy_is_its_name():
    model = HedgeModel("vietnam", rng=0)
    assert str(next(iter(model.small_states)).strategy) == "hedge"
    assert [str(s) for s in Strategy] == ["balance", "bandwagon", "hedge"]


def test_importing_the_model_changes_nothing_process_wide():
    """No allocator tuning or other side effect at import: the engine applies its one setting
    (experiments.engine.tune_allocator) in the processes that run the model."""
    code = ("import ctypes, sys; import hedgesim.model.model, hedgesim.model.records, "
            "hedgesim.agents; "
            "print('hedgesim.experiments.engine' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False"
    assert "mallopt" not in (Path(model_source.__file__)).read_text(encoding="utf-8")


def test_the_agents_do_what_a_state_does():
    """A SmallState's methods run the compiled rules for that state alone."""
    model = HedgeModel("ukraine", rng=0, strategy="adaptive")
    ukraine = next(iter(model.small_states))
    before = model.world.alignment[0].copy()
    assert set(ukraine.assess_threats()) == {"Russia", "West"}
    assert ukraine.choose_strategy() in tuple(Strategy)
    ukraine.move_instruments()
    assert not np.array_equal(before, model.world.alignment[0])


def test_draws_are_uniform_and_use_both_halves_of_each_output():
    """Two uniforms from each 64-bit output of the generator, at the midpoints of 2^32 cells."""
    draws = uniforms(np.random.default_rng(5), 20_001)
    raw = np.random.default_rng(5).bit_generator.random_raw(10_001)
    halves = np.stack([raw & 0xFFFFFFFF, raw >> 32], axis=1).ravel()[:20_001]
    np.testing.assert_array_equal(draws, (halves + 0.5) / 2**32)
    assert draws.min() > 0.0 and draws.max() < 1.0
    assert stats.kstest(draws, "uniform").pvalue > 1e-3


def test_entry_points_are_found_once_for_each_combination_of_argument_types(monkeypatch):
    """The compiled year is typed once per process for the types of its arguments (keyed by
    numba's fingerprint); arguments of another type get an entry point of their own."""
    typed = []
    monkeypatch.setattr(compiled, "_entry_points", {})
    monkeypatch.setattr(compiled.numba, "typeof", lambda value, typeof=numba.typeof: (
        typed.append(value), typeof(value))[1])
    same = entry_point(recycled, 0.25, 0.5), entry_point(recycled, 0.75, 0.5)
    other = entry_point(recycled, np.float32(0.25), 0.5)
    assert len(typed) == 4 and other is not same[0]
    assert other(np.float32(0.25), 0.5) == same[0](0.25, 0.5) == 0.5
    first, second = (HedgeModel("vietnam", rng=seed) for seed in (1, 2))
    first.step(), second.step()
    assert first.sim.entries[run_years] is second.sim.entries[run_years]


@numba.njit
def _write_through_borrowed(w: tuple[np.ndarray, np.ndarray], value: float) -> float:
    v = borrowed(w)
    for i in range(v[1].shape[0]):
        v[1][i] = value
    return v[0].sum()


def test_borrowed_arrays_are_the_callers_arrays():
    """The year runs on the State without counting references (``borrowed``): what it writes in
    a loop lands in the caller's arrays (numba's IR inliner once lost those writes), and from
    Python ``borrowed`` is the value itself."""
    w = (np.arange(3.0), np.zeros(4))
    assert borrowed(w) is w
    assert _write_through_borrowed(w, 2.5) == 3.0
    assert w[1].tolist() == [2.5] * 4


def test_moving_all_at_once_the_order_of_movers_does_not_matter():
    """Under synchronous activation every state moves on the same snapshot, which is why the
    year draws no random order for it: a random order of movers (``shuffle``) gives the same
    world as the states' own. Run through the model's own compiled year (no private variant)."""
    worlds = []
    for shuffle in (False, True):
        model = HedgeModel("generic", rng=4, overrides={"generic.n_small": 40, "reconsider_rate": 1.0})
        w, sim = model.world, model.sim
        assert len(sim.groups) == 2  # one group: everyone moves at once
        draws = uniforms(np.random.default_rng(9), 2 * year_size(w.n_small, w.n_great)).reshape(2, -1)
        assert not np.array_equal(year_draws(draws[0], w.n_small, w.n_great, True).order,
                                  np.arange(w.n_small))
        sim.call(run_years, w.state, sim.coefs, draws, 0, w.start_year, sim.groups, shuffle,
                 sim.schedule)
        worlds.append(w.state)
    for before, after in zip(*worlds, strict=True):
        np.testing.assert_array_equal(before, after)


def test_the_years_draws_are_the_same_drawn_one_by_one_or_all_at_once():
    n, g = 7, 3
    size = year_size(n, g)
    at_once = uniforms(np.random.default_rng(4), 5 * size).reshape(5, size)
    rng = np.random.default_rng(4)
    np.testing.assert_array_equal(at_once, np.stack([uniforms(rng, size) for _ in range(5)]))
    d = year_draws(at_once[0], n, g, True)
    assert sorted(d.order) == list(range(n)) and d.gp_gumbel.shape == (g, 3)
    tilts = [normal_tilt(*pair) for _ in range(400)
             for pair in year_draws(uniforms(rng, size), n, g, False).tilt.T]
    assert stats.kstest(tilts, "norm").pvalue > 1e-3


def test_the_draws_table_lays_out_the_years_row():
    """Each draw's shape and place in the row follow from ``DRAWS``: the fields of ``Draws`` are
    its names in its order, each slice has the declared shape, and the slices tile the row."""
    n, g = 5, 3
    row = np.arange(year_size(n, g), dtype=float)
    d = year_draws(row, n, g, False)
    assert Draws._fields == tuple(name for name, _ in DRAWS)
    starts = [0]
    for (name, shape), got in zip(DRAWS, d, strict=True):
        want = tuple(n if x == "s" else g if x == "g" else x for x in shape)
        assert got.shape == want, name
        if name not in ("gp_gumbel", "order"):  # transformed from their uniforms
            assert got.ravel()[0] == starts[-1], name
        starts.append(starts[-1] + int(np.prod(want)))
    assert year_size(n, g) == starts[-1] + starts[-1] % 2


def test_agents_are_views_on_the_world():
    model = HedgeModel("vietnam", rng=0)
    model.step()
    vietnam = next(iter(model.small_states))
    china = next(a for a in model.great_powers if a.name == "China")
    assert vietnam.name == "Vietnam" and vietnam.alive and vietnam.focal
    assert vietnam.autonomy == model.world.autonomy[0]
    assert set(vietnam.threat) == {"China", "USA"}
    assert vietnam.alignment["China"] == model.world.alignment[0, 0]
    assert china.capability == model.world.gp_cap[0] and "Vietnam" in china.threat_from
    assert repr(vietnam).startswith("SmallState(Vietnam")


@pytest.mark.parametrize("overrides", [{}, {"generic.n_small": 7, "generic.n_great": 9,
                                            "generic.n_partners": 0, "generic.focal_share": 0.3,
                                            "generic.share_balance": 0.3}])
def test_a_generic_world_drawn_into_arrays_is_the_world_of_its_tables(overrides):
    """The engine draws a generic world straight into arrays; the same draw made into entity
    tables (Scenario.concretise) gives the same world to the bit."""
    from hedgesim.model.world import build_world
    from hedgesim.scenarios.loader import draw_generic_entities

    spec = GENERIC.with_overrides(overrides).with_strategy("balance")
    direct = build_world(spec, draw_generic_entities(spec, np.random.default_rng(11)))
    tables = build_world(spec.concretise(np.random.default_rng(11)))
    assert (direct.names, direct.gp_names, direct.partner_names) == (
        tables.names, tables.gp_names, tables.partner_names)
    for a, b in zip(direct.state, tables.state, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype and a.flags.c_contiguous == b.flags.c_contiguous  # one typing


def test_the_rest_of_the_world_takes_what_pythons_sum_of_the_others_leaves():
    """``rest_of_world`` sums in compiled code as Python's ``sum`` does (tables are summed so
    elsewhere), to the bit, on shares of every scale and sign and with no named partner."""
    from hedgesim.model.world import rest_of_world

    rng = np.random.default_rng(5)
    for k in (1, 2, 3, 9):
        shares = rng.dirichlet(np.ones(k), (40, 3)) * rng.choice([-1e5, -1.0, 1e-3, 1.0], (40, 3, k))
        out = rest_of_world(shares)
        expected = [1.0 - sum(row[:-1]) for row in shares.reshape(-1, k).tolist()]
        assert out[:, :, -1].ravel().tolist() == expected
        np.testing.assert_array_equal(out[:, :, :-1], shares[:, :, :-1])
        assert out[0, 0, -1] != shares[0, 0, -1] or k == 1  # a copy with its own last column


def test_a_seeds_streams_are_the_children_numpy_spawns():
    """``streams`` makes a seed's children without their parent: the same generators as
    ``default_rng(seed).spawn(2)``, for Python and numpy integers, all or the years' alone."""
    from hedgesim.model.model import streams

    for seed in (0, 7, 2**63 + 3, np.int64(12), np.uint64(99)):
        for first in (0, 1):
            expected = np.random.default_rng(seed).spawn(2)[first:]
            got = streams(seed, first)
            assert [g.bit_generator.state for g in got] == [g.bit_generator.state for g in expected]


def test_drawing_a_few_years_at_a_time_gives_the_run_of_drawing_them_all(monkeypatch):
    """A run's random numbers are drawn in chunks of years (``DRAW_CHUNK``), so memory does not
    grow with the horizon; the world they make is the one drawn all at once, to the bit."""
    def final(chunk: int) -> tuple:
        monkeypatch.setattr(model_source, "DRAW_CHUNK", chunk)
        sim = Simulation("generic", overrides={"generic.n_small": 30}, steps=25, rng=11).run()
        return sim.world.step, sim.war_onsets, tuple(a.copy() for a in sim.world.state)

    size = year_size(30, 2)
    whole, chunked, yearly = final(10**9), final(3 * size + 1), final(1)
    for other in (chunked, yearly):
        assert other[:2] == whole[:2]
        for a, b in zip(whole[2], other[2], strict=True):
            np.testing.assert_array_equal(a, b)
