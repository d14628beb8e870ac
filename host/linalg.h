/* linalg.h: the small dense linear algebra behind [correlation] (MODEL.md s.4): 4x4
 * symmetric eigen-decomposition (cyclic Jacobi), a Cholesky factor that tolerates the
 * zero pivots of a singular PSD matrix, and Higham's nearest correlation matrix. */
#ifndef BR_LINALG_H
#define BR_LINALG_H

#define BR_LA_N 4

/* Eigenvalues w (ascending) and eigenvectors (columns of v) of the symmetric a. */
void br_la_eig_sym(const double a[BR_LA_N][BR_LA_N], double w[BR_LA_N], double v[BR_LA_N][BR_LA_N]);

/* Lower factor l with l l^T = a for a positive semi-definite a. A pivot at or below
 * a rounding-level tolerance gives a zero column instead of a division by ~0. */
void br_la_cholesky_psd(const double a[BR_LA_N][BR_LA_N], double l[BR_LA_N][BR_LA_N]);

/* The nearest correlation matrix to the symmetric a in the Frobenius norm (Higham
 * 2002, alternating projections with Dykstra's correction), written to x: unit
 * diagonal, positive semi-definite. */
void br_la_nearest_correlation(const double a[BR_LA_N][BR_LA_N], double x[BR_LA_N][BR_LA_N]);

#endif /* BR_LINALG_H */
