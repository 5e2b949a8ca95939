#ifndef MFSIM_CGSL_SHIM_H
#define MFSIM_CGSL_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_multiroots.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_blas.h>

/* Swift 6's strict concurrency rejects GSL's mutable global solver-type pointers;
   these wrappers hand them over as plain function results. */
static inline const gsl_root_fsolver_type *mfsim_root_brent(void) { return gsl_root_fsolver_brent; }
static inline const gsl_multiroot_fdfsolver_type *mfsim_multiroot_hybridsj(void) { return gsl_multiroot_fdfsolver_hybridsj; }
static inline const gsl_integration_fixed_type *mfsim_fixed_hermite(void) { return gsl_integration_fixed_hermite; }
static inline const gsl_rng_type *mfsim_rng_mt19937(void) { return gsl_rng_mt19937; }
#endif
