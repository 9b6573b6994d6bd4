// gemm_mma.cuh — C = op(A)·op(B) (+ bias) as a problem of the tensor-core core (mma_tf32.cuh,
// precisions tf32 and tf32x3): gemm.cu's transposes read in place by cp.async, K cut into the same
// slices (blockIdx.z covers k in [z·k_chunk, min(K, (z + 1)·k_chunk)) and writes the plane
// c + z·M·N; has_bias only with one slice), so split K stays deterministic.
//
// Each thread copies RUN consecutive k of one row of op(A) and of one column of op(B) per stage;
// the threads of a row are neighbours when the stored operand is contiguous along k (A "n",
// B "t"), the threads of a k otherwise. Rows and columns past the edge are clamped to the last one
// (never stored), k past the slice is zero-filled. Offsets are 32-bit, as gemm.cu's (the
// launcher checks them).
#pragma once
#include "common.cuh"
#include "mma_tf32.cuh"

template <bool TRANS_A, bool TRANS_B, typename Tile>
struct MmaGemmProblem {
    const float* __restrict__ a;
    const float* __restrict__ b;
    const float* __restrict__ bias_values;
    int M, N, rows, columns, depth, has_bias;
    int a_row, a_k, a_offset, a_step;  // A slot; offset of op(A)[m, k_begin] for its (clamped) row m; per k
    int b_col, b_k, b_offset, b_step;  // B slot; offset of op(B)[k_begin, n] for its (clamped) column n; per k

    __device__ __forceinline__ MmaGemmProblem(const float* a_, const float* b_, const float* bias_, int M_, int N_,
                                              int K, int k_chunk, int has_bias_, int m0, int n0)
        : a(a_), b(b_), bias_values(bias_), M(M_), N(N_), rows(M_), columns(N_), has_bias(has_bias_) {
        const int k_begin = blockIdx.z * k_chunk;
        const int k_end = k_chunk < K - k_begin ? k_begin + k_chunk : K;  // k_begin + k_chunk may pass 2^31 − 1
        depth = k_end > k_begin ? k_end - k_begin : 0;
        const RunSlot<Tile::BM, Tile::BK, Tile::A_RUN, !TRANS_A> a_slot(threadIdx.x);
        const RunSlot<Tile::BN, Tile::BK, Tile::B_RUN, TRANS_B> b_slot(threadIdx.x);
        a_row = a_slot.row;
        a_k = a_slot.k;
        const int m = m0 + a_row < M ? m0 + a_row : M - 1;
        a_offset = TRANS_A ? k_begin * M + m : m * K + k_begin;
        a_step = TRANS_A ? M : 1;
        b_col = b_slot.row;
        b_k = b_slot.k;
        const int n = n0 + b_col < N ? n0 + b_col : N - 1;
        b_offset = TRANS_B ? n * K + k_begin : k_begin * N + n;
        b_step = TRANS_B ? 1 : N;
    }

    __device__ __forceinline__ void load(int k0, float (*As)[Tile::LDS], float (*Bs)[Tile::LDS]) const {
#pragma unroll
        for (int i = 0; i < Tile::A_RUN; ++i) {
            const int j = k0 + a_k + i;
            cp_async4(&As[a_row][a_k + i], j < depth ? a + a_offset + j * a_step : a, j < depth);
        }
#pragma unroll
        for (int i = 0; i < Tile::B_RUN; ++i) {
            const int j = k0 + b_k + i;
            cp_async4(&Bs[b_col][b_k + i], j < depth ? b + b_offset + j * b_step : b, j < depth);
        }
    }

    __device__ __forceinline__ mt_int64 row_offset(int m) const { return ((mt_int64)blockIdx.z * M + m) * N; }
    __device__ __forceinline__ int column_offset(int col) const { return col; }
    __device__ __forceinline__ float bias(int, int col) const { return has_bias ? bias_values[col] : 0.0f; }
    __device__ __forceinline__ auto epilogue() const {
        return [](float v, mt_int64) { return v; };
    }
};

template <bool TRANS_A, bool TRANS_B, bool SPLIT>
__device__ __forceinline__ void gemm_mma(const float* a, const float* b, const float* bias, float* c, int M, int N,
                                         int K, int k_chunk, int has_bias) {
    const int m0 = blockIdx.y * MmaTileM128::BM, n0 = blockIdx.x * MmaTileM128::BN;
    MmaGemmProblem<TRANS_A, TRANS_B, MmaTileM128> problem(a, b, bias, M, N, K, k_chunk, has_bias, m0, n0);
    mma_gemm<SPLIT, MmaTileM128>(problem, m0, n0, c);
}
