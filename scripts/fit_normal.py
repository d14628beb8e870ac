#!/usr/bin/env python3
"""Fit the polynomial coefficients used in kernels/transforms.h.

Method: near-minimax polynomials by Lawson's algorithm (iteratively reweighted least
squares, C. L. Lawson 1961) on a dense Chebyshev-distributed grid, in double precision,
against references computed with mpmath at 40 digits. Coefficients are then rounded to
float32 and the error of the rounded polynomial is reported (still evaluated in double;
tests/test_transforms_accuracy.c measures the float32 implementation).

  normal : Q(v) = Phi^-1(1 - v) = x * R(w),  x = 1 - 2v,  w = -log(4 v (1 - v))
           (the erfinv structure of M. Giles, "Approximating the erfinv function",
           GPU Computing Gems Jade Edition, 2011). R is fitted in relative error:
             central  w in [0, 5]      : R = P1(w - 2.5)
             tail     w in [5, 21.6]   : R = P2(sqrt(w) - 3.4375)
           w = 21.49 is v = 2^-33, the smallest v br_normal produces.
  exp    : e^r = 1 + r + r^2 q(r) on |r| <= ln2/2 (plus margin); q fitted in
           relative error of e^r.
  log    : log(1+f) = 2 atanh(s) = 2s + s R(z), s = f/(2+f), z = s^2,
           R(z) = z * P3(z), on f in [sqrt(1/2)-1, sqrt(2)-1]; relative error of R.

Usage: python3 scripts/fit_normal.py      (needs numpy, mpmath; ~10 s)
The C build does not run this script; its output is pasted into transforms.h.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def cheb_grid(a, b, n):
    k = np.arange(n)
    return 0.5 * (a + b) + 0.5 * (b - a) * np.cos(np.pi * (k + 0.5) / n)[::-1]


def lawson(t, y, deg, weight, iters=60):
    """Power-series coefficients c[0..deg] in t minimising max |weight*(p(t)-y)|."""
    scale = np.max(np.abs(t))  # fit in t/scale for conditioning, then rescale
    A = np.vander(t / scale, deg + 1, increasing=True) * weight[:, None]
    b = y * weight
    lw = np.full(len(t), 1.0 / len(t))
    for _ in range(iters):
        sw = np.sqrt(lw)
        c, *_ = np.linalg.lstsq(A * sw[:, None], b * sw, rcond=None)
        e = np.abs(A @ c - b)
        lw = lw * e
        lw /= lw.sum()
    return c / scale ** np.arange(deg + 1)


def horner(c, t):
    r = np.zeros_like(t)
    for ck in c[::-1]:
        r = r * t + ck
    return r


def report(name, c, t, y, weight):
    c32 = np.asarray(c, dtype=np.float32).astype(np.float64)
    e64 = np.max(np.abs((horner(c, t) - y) * weight))
    e32 = np.max(np.abs((horner(c32, t) - y) * weight))
    print(f"/* {name}: max weighted error {e64:.3g} (double coeffs), {e32:.3g} (float32) */")
    for k, ck in enumerate(c32):
        print(f"    {float(ck):.9e}f, /* c{k} */")
    return e32


def normal_R(w):
    """R(w) = Q(v)/x with v from w in a cancellation-free way."""
    w = mp.mpf(w)
    em = mp.exp(-w)                      # = 4v(1-v) = 1 - x^2
    x = mp.sqrt(-mp.expm1(-w))           # 1 - 2v
    v = em / (2 * (1 + x))               # smaller root of 4v(1-v) = em
    q = -mp.sqrt(2) * mp.erfinv(2 * v - 1)
    return q / x


def fit_normal():
    for name, lo, hi, center, use_sqrt, deg in (
        ("normal central, t = w - 2.5", 0.0, 5.05, 2.5, False, 9),
        ("normal tail, t = sqrt(w) - 3.4375", 4.95, 21.6, 3.4375, True, 10),
    ):
        if use_sqrt:
            s = cheb_grid(np.sqrt(lo), np.sqrt(hi), 1500)
            w = s * s
            t = s - center
        else:
            w = cheb_grid(lo, hi, 1500)
            t = w - center
        y = np.array([float(normal_R(wi)) for wi in w])
        c = lawson(t, y, deg, 1.0 / y)
        report(name, c, t, y, 1.0 / y)


def fit_exp():
    r = cheb_grid(-0.3467, 0.3467, 2000)
    q = np.array([float((mp.expm1(ri) - ri) / mp.mpf(ri) ** 2) for ri in r])
    ex = np.exp(r)
    wgt = r * r / ex  # error of q enters e^r multiplied by r^2
    wgt = np.maximum(wgt, 1e-6)
    c = lawson(r, q, 4, wgt)
    report("exp: q(r), error relative to e^r", c, r, q, wgt)


def fit_log():
    smax = (np.sqrt(2) - 1) / (np.sqrt(2) + 1)
    z = cheb_grid(1e-8, smax * smax * 1.001, 2000)
    R = []
    for zi in z:
        s = mp.sqrt(mp.mpf(zi))
        R.append(float(((mp.log((1 + s) / (1 - s)) - 2 * s) / s) / zi))
    R = np.array(R)
    c = lawson(z, R, 3, 1.0 / R)
    report("log: R(z)/z, relative", c, z, R, 1.0 / R)


if __name__ == "__main__":
    fit_normal()
    fit_exp()
    fit_log()
