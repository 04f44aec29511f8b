#ifndef ZT_BYTESCAN_H
#define ZT_BYTESCAN_H
#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

/// The hot scan of the exposition parser, inlined into Swift: the index of the first
/// '"', '\\' or '\n' in p[from, end), or end. Sixteen bytes a step (SSE2 or NEON),
/// a byte at a time elsewhere; never reads at or past `end`.
static inline intptr_t zt_find_quote_backslash_newline(const uint8_t *p, intptr_t from, intptr_t end) {
  intptr_t i = from;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), newline = _mm_set1_epi8('\n');
  for (; i + 16 <= end; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                               _mm_cmpeq_epi8(v, newline));
    int mask = _mm_movemask_epi8(hit);
    if (mask) return i + __builtin_ctz((unsigned)mask);
  }
#elif defined(__ARM_NEON)
  const uint8x16_t quote = vdupq_n_u8('"'), backslash = vdupq_n_u8('\\'), newline = vdupq_n_u8('\n');
  for (; i + 16 <= end; i += 16) {
    uint8x16_t v = vld1q_u8(p + i);
    uint8x16_t hit = vorrq_u8(vorrq_u8(vceqq_u8(v, quote), vceqq_u8(v, backslash)), vceqq_u8(v, newline));
    // Four bits a byte: narrow each 16-bit lane by 4.
    uint64_t mask = vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(hit), 4)), 0);
    if (mask) return i + (__builtin_ctzll(mask) >> 2);
  }
#endif
  for (; i < end; i++) {
    uint8_t c = p[i];
    if (c == '"' || c == '\\' || c == '\n') return i;
  }
  return end;
}
#endif
