// The scan functions are static inline in include/zt_bytescan.h; this file gives
// SwiftPM a source to build the target from.
#include "zt_bytescan.h"
