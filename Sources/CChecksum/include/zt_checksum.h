#ifndef ZT_CHECKSUM_H
#define ZT_CHECKSUM_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli, as in iSCSI, ext4 and Snappy) of `len` bytes, continuing from `crc`
/// (0 to start). Uses the SSE4.2 instruction, three streams at once, when the CPU has it.
uint32_t zt_crc32c(uint32_t crc, const void *data, size_t len);

/// Whether zt_crc32c runs on the SSE4.2 instruction (1) or a table (0).
int zt_crc32c_hardware(void);
#endif
