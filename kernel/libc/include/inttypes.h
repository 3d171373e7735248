/* printf conversions for <stdint.h> types on x86_64 (LP64), limited to
 * the length modifiers kernel/fmt.h understands. lwIP builds its debug
 * formats (U16_F, X32_F, ...) from these. */
#ifndef _BASTION_INTTYPES_H
#define _BASTION_INTTYPES_H

#include <stdint.h>

#define PRId8    "d"
#define PRId16   "d"
#define PRId32   "d"
#define PRId64   "ld"
#define PRIi8    "i"
#define PRIi16   "i"
#define PRIi32   "i"
#define PRIi64   "li"
#define PRIu8    "u"
#define PRIu16   "u"
#define PRIu32   "u"
#define PRIu64   "lu"
#define PRIx8    "x"
#define PRIx16   "x"
#define PRIx32   "x"
#define PRIx64   "lx"
#define PRIX8    "X"
#define PRIX16   "X"
#define PRIX32   "X"
#define PRIX64   "lX"
#define PRIdPTR  "ld"
#define PRIuPTR  "lu"
#define PRIxPTR  "lx"

#endif
