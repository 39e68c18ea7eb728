// Multiply-add that is fused where the target CPU has FMA and plain multiply + add where it does not.
//
// Swift's `addingProduct` always asks for a correctly rounded fused multiply-add (llvm.fma). Built without an FMA
// target feature (a plain `swift build -c release`, or any package that depends on this one without tuning flags),
// LLVM has to turn each lane into a call to the C library's fmaf: the attention kernels then run about 100 times
// slower. C with FP_CONTRACT ON emits llvm.fmuladd instead, which the backend fuses only when the target has FMA
// (`-target-cpu native`, x86-64-v3, Apple silicon) and otherwise lowers to vmulps + vaddps. The functions are
// static inline and always inlined, so Swift code that calls them compiles to single instructions.
#ifndef CVECTORMATH_H
#define CVECTORMATH_H

#pragma STDC FP_CONTRACT ON

typedef float cvm_float8 __attribute__((ext_vector_type(8)));

/// a · b + c, lane-wise, fused when the target has FMA.
static inline __attribute__((always_inline)) cvm_float8 cvm_muladd8(cvm_float8 a, cvm_float8 b, cvm_float8 c) {
    return a * b + c;
}

typedef float cvm_float16 __attribute__((ext_vector_type(16)));

/// a · b + c, 16 lanes (one AVX-512 register, two AVX2 registers), fused when the target has FMA.
static inline __attribute__((always_inline)) cvm_float16 cvm_muladd16(cvm_float16 a, cvm_float16 b, cvm_float16 c) {
    return a * b + c;
}

/// a · b + c on scalars, fused when the target has FMA.
static inline __attribute__((always_inline)) float cvm_muladd(float a, float b, float c) {
    return a * b + c;
}

/// Asks the CPU to start loading `bytes` bytes from `p` into cache (a hint: no effect on results, no fault on any
/// address). For streams the hardware prefetcher starts too late on, like a quantized matrix read once per token.
static inline __attribute__((always_inline)) void cvm_prefetch(const void *p, long bytes) {
    for (long offset = 0; offset < bytes; offset += 64) __builtin_prefetch((const char *)p + offset, 0, 0);
}

#endif
