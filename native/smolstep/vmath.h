/*
 * Vector helpers several files share, and the processor checks that pick them.
 */
#ifndef SMOLSTEP_VMATH_H
#define SMOLSTEP_VMATH_H

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define SC_X86 1
#define X86_AVX2 __attribute__((target("avx2,fma,f16c")))

/* e^x for x in [-87, 88] (clamped there), about 1e-7 relative error:
 * 2^(x log2 e) as 2^n times a degree-6 polynomial of the fraction. */
static inline X86_AVX2 __m256 sc_exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  __m256 y = _mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f));
  __m256 n = _mm256_round_ps(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 f = _mm256_mul_ps(_mm256_sub_ps(y, n), _mm256_set1_ps(0.69314718055994531f));
  __m256 p = _mm256_set1_ps(1.0f / 720);
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

static inline int sc_cpu_avx2(void) {
  static int known = -1;
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  }
  return known;
}
#endif

#endif
