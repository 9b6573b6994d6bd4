// mma_ptx.cuh — the PTX instructions of the tensor-core core (mma_tf32.cuh), one inline function each:
// cp.async with zero-fill, its commit and wait, ldmatrix, cvt.rna.tf32.f32 and mma.m16n8k8 on TF32.
// All need sm_80 or later; compiled for an older target they are empty (the launchers never run
// the tensor-core kernels there). tests/ops/mma_emulation/ holds a CPU twin of this file that runs
// the core's problems on the host, one std::thread per CUDA thread.
#pragma once

__device__ __forceinline__ unsigned shared_address(const void* pointer) {
    unsigned address;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(address) : "l"(pointer));
    return address;
}

// *to = *from, asynchronously; 0 instead when !valid (from is then not read but must be a valid address).
__device__ __forceinline__ void cp_async4(float* to, const float* from, bool valid) {
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n"
                 :: "r"(shared_address(to)), "l"(from), "r"(valid ? 4 : 0) : "memory");
#endif
}

__device__ __forceinline__ void cp_async_commit() {
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

// Wait until at most PENDING committed groups of this thread are still in flight.
template <int PENDING>
__device__ __forceinline__ void cp_async_wait() {
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_group %0;\n" :: "n"(PENDING) : "memory");
#endif
}

// Four 8 × 8 b16 matrices from shared memory; lane l gives the address of row l % 8 of matrix l / 8
// and receives, of each matrix, the 32-bit word (row l / 4, column l % 4).
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], const float* row) {
#if __CUDA_ARCH__ >= 800
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(shared_address(row)) : "memory");
#endif
}

__device__ __forceinline__ unsigned to_tf32(float x) {
    unsigned rounded = 0;
#if __CUDA_ARCH__ >= 800
    asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(rounded) : "f"(x));
#endif
    return rounded;
}

// d += a · b for one 16 × 8 × 8 tile: a0..a3 = A(g, t), A(g + 8, t), A(g, t + 4), A(g + 8, t + 4);
// b0, b1 = B(t, g), B(t + 4, g); d0..d3 = D(g, 2t), D(g, 2t + 1), D(g + 8, 2t), D(g + 8, 2t + 1)
// with g = lane / 4, t = lane % 4.
__device__ __forceinline__ void mma_tf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
#if __CUDA_ARCH__ >= 800
    asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}
