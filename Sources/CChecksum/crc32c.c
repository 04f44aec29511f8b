// CRC-32C (reflected polynomial 0x82F63B78): the SSE4.2 crc32 instruction over three
// interleaved streams, joined by "shift" tables, with a byte table as the portable path.
#include "zt_checksum.h"
#include <pthread.h>
#include <string.h>

#define POLY 0x82F63B78u
// Bytes per stream in one round of the three-stream loop.
#define STREAM 4096

static uint32_t byte_table[256];
// shift_table[k][b]: the register value b << 8k advanced over STREAM (k < 4) or 2*STREAM
// (4 <= k < 8) zero bytes, i.e. multiplied by x^(8n) mod P; linear, so a register
// is advanced by XORing the entries of its four bytes.
static uint32_t shift_table[8][256];
static int hardware;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_byte_table(void) {
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (POLY & (0u - (c & 1)));
    byte_table[b] = c;
  }
}

static uint32_t software(uint32_t reg, const uint8_t *p, size_t n) {
  while (n--) reg = byte_table[(reg ^ *p++) & 0xff] ^ (reg >> 8);
  return reg;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t zeros(uint32_t reg, size_t n) {
  uint64_t r = reg;
  for (size_t i = 0; i < n / 8; i++) r = _mm_crc32_u64(r, 0);
  return (uint32_t)r;
}

__attribute__((target("sse4.2"))) static void init_shift_tables(void) {
  for (int k = 0; k < 4; k++) {
    for (uint32_t b = 0; b < 256; b++) {
      shift_table[k][b] = zeros(b << (8 * k), STREAM);
      shift_table[k + 4][b] = zeros(b << (8 * k), 2 * STREAM);
    }
  }
}

static inline uint32_t shift(const uint32_t t[4][256], uint32_t reg) {
  return t[0][reg & 0xff] ^ t[1][(reg >> 8) & 0xff] ^ t[2][(reg >> 16) & 0xff] ^ t[3][reg >> 24];
}

__attribute__((target("sse4.2"))) static uint32_t with_sse42(uint32_t reg, const uint8_t *p, size_t n) {
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    reg = _mm_crc32_u8(reg, *p++);
    n--;
  }
  while (n >= 3 * STREAM) {
    uint64_t a = reg, b = 0, c = 0;
    for (const uint8_t *end = p + STREAM; p < end; p += 8) {
      uint64_t wa, wb, wc;
      memcpy(&wa, p, 8);
      memcpy(&wb, p + STREAM, 8);
      memcpy(&wc, p + 2 * STREAM, 8);
      a = _mm_crc32_u64(a, wa);
      b = _mm_crc32_u64(b, wb);
      c = _mm_crc32_u64(c, wc);
    }
    // a covered the first stream: advance it over the other two; b over the last one.
    reg = shift((const uint32_t(*)[256])shift_table[4], (uint32_t)a) ^ shift((const uint32_t(*)[256])shift_table[0], (uint32_t)b) ^ (uint32_t)c;
    p += 2 * STREAM;
    n -= 3 * STREAM;
  }
  uint64_t r = reg;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    r = _mm_crc32_u64(r, w);
  }
  reg = (uint32_t)r;
  while (n--) reg = _mm_crc32_u8(reg, *p++);
  return reg;
}
#endif

static void init(void) {
  init_byte_table();
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) {
    init_shift_tables();
    hardware = 1;
  }
#endif
}

int zt_crc32c_hardware(void) {
  pthread_once(&once, init);
  return hardware;
}

uint32_t zt_crc32c(uint32_t crc, const void *data, size_t len) {
  int hw = zt_crc32c_hardware();
  uint32_t reg = ~crc;
#if defined(__x86_64__)
  if (hw) return ~with_sse42(reg, (const uint8_t *)data, len);
#endif
  (void)hw;
  return ~software(reg, (const uint8_t *)data, len);
}
