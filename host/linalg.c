/* linalg.c: 4x4 symmetric eigenvalues (cyclic Jacobi), PSD-tolerant Cholesky and the
 * Higham 2002 nearest correlation matrix. Sizes are fixed and tiny: clarity over speed. */
#include "linalg.h"

#include <math.h>
#include <string.h>

enum { N = BR_LA_N };

void br_la_eig_sym(const double a_in[N][N], double w[N], double v[N][N])
{
    double a[N][N];
    memcpy(a, a_in, sizeof a);
    for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j)
            v[i][j] = (i == j);

    /* Cyclic Jacobi converges quadratically; 50 sweeps is far more than a 4x4 needs. */
    for (int sweep = 0; sweep < 50; ++sweep) {
        double off = 0.0, scale = 0.0;
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j)
                if (i == j)
                    scale += a[i][j] * a[i][j];
                else
                    off += a[i][j] * a[i][j];
        if (off <= 1e-30 * (scale + off) || off == 0.0)
            break;
        for (int p = 0; p < N - 1; ++p)
            for (int q = p + 1; q < N; ++q) {
                if (a[p][q] == 0.0)
                    continue;
                /* Rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.5.1). */
                double theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                if (!isfinite(t))
                    t = 0.0;
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < N; ++k) {
                    double akp = a[k][p], akq = a[k][q];
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for (int k = 0; k < N; ++k) {
                    double apk = a[p][k], aqk = a[q][k];
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for (int k = 0; k < N; ++k) {
                    double vkp = v[k][p], vkq = v[k][q];
                    v[k][p] = c * vkp - s * vkq;
                    v[k][q] = s * vkp + c * vkq;
                }
            }
    }

    for (int i = 0; i < N; ++i)
        w[i] = a[i][i];
    /* Sort ascending, carrying the eigenvectors along. */
    for (int i = 1; i < N; ++i)
        for (int j = i; j > 0 && w[j - 1] > w[j]; --j) {
            double tw = w[j];
            w[j] = w[j - 1];
            w[j - 1] = tw;
            for (int k = 0; k < N; ++k) {
                double tv = v[k][j];
                v[k][j] = v[k][j - 1];
                v[k][j - 1] = tv;
            }
        }
}

void br_la_cholesky_psd(const double a[N][N], double l[N][N])
{
    /* Relative to the largest diagonal entry: pivots below this are rounding noise of
     * an exactly singular matrix, and dividing by them would amplify that noise. */
    double dmax = 0.0;
    for (int i = 0; i < N; ++i)
        dmax = fmax(dmax, fabs(a[i][i]));
    const double tol = 1e-13 * (dmax > 0 ? dmax : 1.0);

    memset(l, 0, sizeof(double) * N * N);
    for (int j = 0; j < N; ++j) {
        double d = a[j][j];
        for (int k = 0; k < j; ++k)
            d -= l[j][k] * l[j][k];
        if (d <= tol)
            continue; /* zero pivot: zero column */
        double ljj = sqrt(d);
        l[j][j] = ljj;
        for (int i = j + 1; i < N; ++i) {
            double s = a[i][j];
            for (int k = 0; k < j; ++k)
                s -= l[i][k] * l[j][k];
            l[i][j] = s / ljj;
        }
    }
}

/* Projection onto the positive semi-definite cone: clip negative eigenvalues. */
static void project_psd(const double a[N][N], double x[N][N])
{
    double w[N], v[N][N];
    br_la_eig_sym(a, w, v);
    for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) {
            double s = 0.0;
            for (int k = 0; k < N; ++k)
                s += v[i][k] * fmax(w[k], 0.0) * v[j][k];
            x[i][j] = s;
        }
    for (int i = 0; i < N; ++i) /* exact symmetry */
        for (int j = 0; j < i; ++j)
            x[i][j] = x[j][i] = 0.5 * (x[i][j] + x[j][i]);
}

void br_la_nearest_correlation(const double a[N][N], double out[N][N])
{
    double y[N][N], x[N][N], ds[N][N], r[N][N];
    memcpy(y, a, sizeof y);
    memset(ds, 0, sizeof ds);
    memset(x, 0, sizeof x);

    for (int it = 0; it < 10000; ++it) {
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j)
                r[i][j] = y[i][j] - ds[i][j]; /* Dykstra's correction */
        project_psd(r, x);
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j)
                ds[i][j] = x[i][j] - r[i][j];
        double diff = 0.0, norm = 0.0;
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) {
                double yij = (i == j) ? 1.0 : x[i][j]; /* projection onto unit diagonal */
                diff += (yij - y[i][j]) * (yij - y[i][j]);
                norm += yij * yij;
                y[i][j] = yij;
            }
        if (sqrt(diff) <= 1e-12 * sqrt(norm))
            break;
    }

    /* y has unit diagonal but may miss the PSD cone by rounding; x is PSD but its
     * diagonal is only near 1. Rescaling x to unit diagonal keeps both properties. */
    double d[N];
    for (int i = 0; i < N; ++i)
        d[i] = x[i][i] > 0 ? 1.0 / sqrt(x[i][i]) : 0.0;
    for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) {
            double v = (i == j) ? 1.0 : x[i][j] * d[i] * d[j];
            out[i][j] = fmax(-1.0, fmin(1.0, v));
        }
}
