// mma_ptx.cuh (host twin) — the PTX instructions of kernels/mma_ptx.cuh emulated on the CPU, as the
// PTX ISA defines them: cp.async copies held per thread in commit groups and performed by
// cp.async.wait_group (so a read before the wait sees stale shared memory); ldmatrix and
// mma.m16n8k8 as warp-wide exchanges; the mma reads only the TF32 bits of its operands (the low
// 13 bits are ignored, as the hardware does) and accumulates in double, rounded once to float.
#pragma once
#include "cuda_host.h"

struct PendingCopy {
    float* to;
    const float* from;
    bool valid;
};
inline std::vector<std::vector<PendingCopy>> cp_committed[MAX_THREADS];  // per thread, oldest group first
inline std::vector<PendingCopy> cp_open[MAX_THREADS];

inline void cp_async4(float* to, const float* from, bool valid) {
    if (valid) check_readable(from);
    cp_open[running].push_back({to, from, valid});
}

inline void cp_async_commit() {
    cp_committed[running].push_back(std::move(cp_open[running]));
    cp_open[running].clear();
}

template <int PENDING>
inline void cp_async_wait() {
    auto& groups = cp_committed[running];
    while ((int)groups.size() > PENDING) {
        for (const PendingCopy& copy : groups.front()) *copy.to = copy.valid ? *copy.from : 0.0f;
        groups.erase(groups.begin());
    }
}

inline const float* ldmatrix_rows[MAX_WARPS][32];

inline void ldmatrix_x4(unsigned (&r)[4], const float* row) {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (reinterpret_cast<std::uintptr_t>(row) % 16) fail("ldmatrix row address not 16-byte aligned");
    ldmatrix_rows[warp][lane] = row;
    warp_sync();
    for (int j = 0; j < 4; ++j) r[j] = __float_as_uint(ldmatrix_rows[warp][j * 8 + lane / 4][lane % 4]);
    warp_sync();
}

inline unsigned to_tf32(float x) {
    const unsigned u = __float_as_uint(x);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (u & 0xffffe000u) | 0x00400000u;
    return (u & 0x80000000u) | (((u & 0x7fffffffu) + 0x1000u) & 0xffffe000u);
}

struct MmaOperands {
    unsigned a[4], b[2];
};
inline MmaOperands mma_operands[MAX_WARPS][32];

// D(row, col) = C(row, col) + Σ_k A(row, k)·B(k, col), each lane computing its own four outputs
// from the fragments the warp deposited: A(row, k) is a[(row ≥ 8) + 2·(k ≥ 4)] of lane
// 4·(row % 8) + k % 4, B(k, col) is b[k ≥ 4] of lane 4·col + k % 4.
inline void mma_tf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    mma_operands[warp][lane] = MmaOperands{{a[0], a[1], a[2], a[3]}, {b[0], b[1]}};
    warp_sync();
    auto tf32 = [](unsigned bits) { return (double)__uint_as_float(bits & 0xffffe000u); };
    const int g = lane / 4, t = lane % 4;
    float out[4];
    for (int e = 0; e < 4; ++e) {
        const int row = g + (e / 2) * 8, col = 2 * t + e % 2;
        double sum = d[e];
        for (int k = 0; k < 8; ++k) {
            const MmaOperands& a_lane = mma_operands[warp][4 * (row % 8) + k % 4];
            const MmaOperands& b_lane = mma_operands[warp][4 * col + k % 4];
            sum += tf32(a_lane.a[(row >= 8) + 2 * (k >= 4)]) * tf32(b_lane.b[k >= 4]);
        }
        out[e] = (float)sum;
    }
    warp_sync();
    for (int e = 0; e < 4; ++e) d[e] = out[e];
}
