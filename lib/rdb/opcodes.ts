/**
 * RDB opcodes, value types and encodings, named as in Redis's rdb.h (7.0, plus the two types 7.2 added) so the
 * reader and writer read like the C they mirror. Values are the on-disk bytes, fixed forever.
 */

/** The newest version this reader understands (7.2 writes 11) and the one the writer emits (7.0 refuses 11). */
export const RDB_VERSION_MAX = 11;
export const RDB_VERSION_WRITTEN = 10;

// Length encoding: the top two bits of the first byte.
export const RDB_6BITLEN = 0;
export const RDB_14BITLEN = 1;
export const RDB_32BITLEN = 0x80;
export const RDB_64BITLEN = 0x81;
export const RDB_ENCVAL = 3;

// Special string encodings (the low six bits when the top two are RDB_ENCVAL).
export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

// Value types.
export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_MODULE = 6;
export const RDB_TYPE_MODULE_2 = 7;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;
export const RDB_TYPE_SET_LISTPACK = 20; // 7.2, RDB 11
export const RDB_TYPE_STREAM_LISTPACKS_3 = 21; // 7.2, RDB 11

// Opcodes: bytes that take the place of a value type.
export const RDB_OPCODE_FUNCTION2 = 245;
export const RDB_OPCODE_FUNCTION = 246; // 7.0 release candidates only
export const RDB_OPCODE_MODULE_AUX = 247;
export const RDB_OPCODE_IDLE = 248;
export const RDB_OPCODE_FREQ = 249;
export const RDB_OPCODE_AUX = 250;
export const RDB_OPCODE_RESIZEDB = 251;
export const RDB_OPCODE_EXPIRETIME_MS = 252;
export const RDB_OPCODE_EXPIRETIME = 253;
export const RDB_OPCODE_SELECTDB = 254;
export const RDB_OPCODE_EOF = 255;

// Module value sub-opcodes (only the ones a loader must recognise to refuse module data).
export const RDB_MODULE_OPCODE_EOF = 0;
export const RDB_MODULE_OPCODE_UINT = 2;

// quicklist 2 node containers.
export const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
export const QUICKLIST_NODE_CONTAINER_PACKED = 2;

// Stream listpack entry flags (t_stream.c).
export const STREAM_ITEM_FLAG_DELETED = 1;
export const STREAM_ITEM_FLAG_SAMEFIELDS = 2;
