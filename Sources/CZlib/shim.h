#ifndef ZONETOP_CZLIB_SHIM_H
#define ZONETOP_CZLIB_SHIM_H
#include <zlib.h>
/// inflateInit2 is a macro; this is its callable form.
static inline int zt_inflate_init2(z_stream *s, int windowBits) { return inflateInit2(s, windowBits); }
#endif
