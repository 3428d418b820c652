"""A polyhedral outer approximation of one CV constraint, S(y) ≤ t·X̄(y), for the planner's MILP.

S = ‖v‖ with v_i = √w_i (x_i − X̄) is a second-order cone. Following Ben-Tal and Nemirovski, the norm
of n numbers is built from a binary tree of 2-D norms: leaves d_i ≥ |v_i|, each inner node
r ≥ ‖(p, q)‖, the root ≤ t·X̄. A 2-D norm of non-negative p, q is bounded below by K tangent lines

    r ≥ cos θ_j · p + sin θ_j · q,    θ_j = j · (π/2) / (K − 1),  j = 0 … K − 1,

which every true point satisfies (so the approximation never cuts off a feasible plan) and which
under-estimate ‖(p, q)‖ by at most a factor c = cos(π / (4(K − 1))) per tree level: with K = 17 and 40
schools (6 levels) S can be under-estimated by ≤ 0.7 %. Used two ways: as an outer approximation (root ≤
t·X̄: a relaxation, so its optimum is a lower bound) and as an inner one (root ≤ t·c^depth·X̄: every plan
it allows truly has S ≤ t·X̄, so its optimum is a feasible plan). Everything is divided by today's X̄ so
the numbers are of order 1.
"""

from __future__ import annotations

import math

import numpy as np

K = 17  # tangent lines per 2-D norm
ANGLES = [j * (math.pi / 2) / (K - 1) for j in range(K)]


def tree_depth(n: int) -> int:
    return max(0, math.ceil(math.log2(n))) if n > 1 else 0


def add_cone(model, key: tuple[str, str], t: float, inner: bool = False) -> None:
    """Add the variables and rows approximating S ≤ t·X̄ for one (level, indicator) to `model`. With
    `inner` the root bound is t·cos(π/(4(K−1)))^depth instead: every point it allows has S ≤ t·X̄."""
    w, x0, a = model.terms[key]
    if inner:
        t = t * math.cos(math.pi / (4 * (K - 1))) ** tree_depth(len(w)) * (1 - 1e-6)
    mean0 = float(w @ x0)
    if mean0 <= 0:
        return
    n_main = a.shape[1]
    level, k = key
    # M = X̄(y) / X̄0
    m = model.add_aux(("mean", key), 0.0, np.inf)
    row = {v: -float(c) / mean0 for v, c in enumerate(w @ a) if c}
    row[m] = 1.0
    model.rows.append((row, 1.0, 1.0))
    nodes = []
    for i in range(len(w)):
        sw = math.sqrt(float(w[i]))
        d = model.add_aux(("leaf", key, i), 0.0, np.inf)
        lin = {v: sw * float(c) / mean0 for v, c in enumerate(a[i, :n_main]) if c}
        const = sw * float(x0[i]) / mean0
        # d ≥ v_i and d ≥ −v_i, with v_i = √w_i (x_i / X̄0 − M)
        up = {v: -c for v, c in lin.items()}
        up[d], up[m] = 1.0, sw
        model.rows.append((up, const, np.inf))
        down = dict(lin)
        down[d], down[m] = 1.0, -sw
        model.rows.append((down, -const, np.inf))
        nodes.append(d)
    depth = 0
    while len(nodes) > 1:
        depth += 1
        nxt = []
        for i in range(0, len(nodes) - 1, 2):
            p, q = nodes[i], nodes[i + 1]
            r = model.add_aux(("node", key, depth, i), 0.0, np.inf)
            for th in ANGLES:
                model.rows.append(({r: 1.0, p: -math.cos(th), q: -math.sin(th)}, 0.0, np.inf))
            nxt.append(r)
        if len(nodes) % 2:
            nxt.append(nodes[-1])
        nodes = nxt
    model.rows.append(({nodes[0]: 1.0, m: -t}, -np.inf, 0.0))  # root ≤ t·M
