// mma_tf32.cuh — the tensor-core GEMM core of conv2d.cu and gemm.cu: TF32 and 3xTF32 products.
//
//   out[m, col] = Σ_j A[m, j] · B[j, col]  (+ bias),  A rows × depth, B depth × columns, float32,
//   every product on tensor cores (mma.sync.aligned.m16n8k8, TF32 operands, float32 accumulators):
//     tf32    (SPLIT = false)  tf32(a) · tf32(b)
//     tf32x3  (SPLIT = true)   a = big + small, big = tf32(a), small = tf32(a − big), b likewise;
//                              small_a·big_b + big_a·small_b + big_a·big_b (small·small dropped)
//   tf32(x) = cvt.rna.tf32.f32: nearest value with 10 mantissa bits, ties away from zero (its NumPy
//   twin: minitransfer/ops/precision.py, round_tf32). Reference: precision.matmul_reference.
//
// Scheme (MmaTile): 256 threads = 8 warps; a BM × BN block tile, a 32 × 32 warp tile (2 × 4 mma
// tiles of 16 × 8); BK = 16 reduction steps per shared-memory stage and STAGES = 3 stages in flight:
// while the warps multiply stage t, the problem's cp.async copies of stage t + 2 are in the air
// (4-byte copies, zero-filled for padding, edges and depth past the end, so gathered convolution
// operands need no separate path). Shared tiles are k-contiguous, As[m][k] and Bs[col][k], rows
// padded to BK + 4 words: one ldmatrix.x4 (four 8 × 8 matrices of b16 pairs = 8 rows × 4 floats)
// hands each thread its m16n8k8 A fragment or the B fragments of two n8 tiles, without bank
// conflicts. An output element is accumulated by one thread, stage after stage in increasing k:
// results are deterministic (no atomics).
//
// Problem supplies (the convolution directions in conv2d.cu, the transposes in gemm.cu):
//   rows, columns, depth        this block's GEMM sizes (depth may be 0: the tile is then zero)
//   load(k0, As, Bs)            issue this thread's cp.async copies of the stage starting at k0
//   row_offset(m), column_offset(col), bias(m, col), epilogue()
//                               out[i] = finish(acc + bias(m, col), i), i = row_offset(m) + column_offset(col),
//                               finish = epilogue(): the problem's epilogue (ReLU, ReLU's mask or nothing)
//
// Needs sm_80 or later (cp.async, mma with .tf32); compiled for an older target the core is a trap,
// and the launchers never choose it there.
#pragma once
#include "mma_ptx.cuh"

template <int BM_, int BN_>
struct MmaTile {
    static constexpr int BM = BM_;                   // output rows per block
    static constexpr int BN = BN_;                   // output columns per block
    static constexpr int BK = 16;                    // reduction steps per shared-memory stage
    static constexpr int STAGES = 3;                 // stages in flight (cp.async pipeline depth)
    static constexpr int THREADS = 256;
    static constexpr int WARP_M = 32, WARP_N = 32;   // warp tile: 2 × 4 mma tiles of 16 × 8
    static constexpr int WARPS_N = BN / WARP_N;
    static constexpr int LDS = BK + 4;               // shared row length in words
    static constexpr int A_RUN = BM * BK / THREADS;  // consecutive k of A one thread copies per stage
    static constexpr int B_RUN = BN * BK / THREADS;  // likewise for B
    static_assert((BM / WARP_M) * (BN / WARP_N) * 32 == THREADS, "8 warps cover the block tile");
    static_assert(BK % A_RUN == 0 && BK % B_RUN == 0 && A_RUN >= 1 && B_RUN >= 1, "whole runs per stage");
};
typedef MmaTile<128, 64> MmaTileM128;  // many rows (filters, channels per group), fewer columns
typedef MmaTile<64, 128> MmaTileM64;   // few rows: less of the tile idle

// The (row, first k) of the ROWS × BK stage tile whose RUN consecutive k one thread copies.
// ALONG_K: the threads of one row are neighbours (operands contiguous along k: coalesced runs);
// otherwise the threads of one k are neighbours (operands contiguous along rows or columns).
template <int ROWS, int BK, int RUN, bool ALONG_K>
struct RunSlot {
    int row, k;
    __device__ __forceinline__ explicit RunSlot(int tid)
        : row(ALONG_K ? tid / (BK / RUN) : tid % ROWS), k(ALONG_K ? (tid % (BK / RUN)) * RUN : (tid / ROWS) * RUN) {}
};

// big = tf32(x) and, for 3xTF32, small = tf32(x − big) of each raw float32 word.
template <bool SPLIT, int N>
__device__ __forceinline__ void split_tf32(const unsigned (&raw)[N], unsigned (&big)[N], unsigned (&small)[N]) {
#pragma unroll
    for (int e = 0; e < N; ++e) {
        const float x = __uint_as_float(raw[e]);
        big[e] = to_tf32(x);
        if (SPLIT) small[e] = to_tf32(x - __uint_as_float(big[e]));
    }
}

// One 8-deep slice of a stage: a_rows point at the warp's A rows (lane's ldmatrix row) for its
// two m16 tiles, b_rows at its B rows for its two pairs of n8 tiles.
template <bool SPLIT>
__device__ __forceinline__ void mma_slice(float (&acc)[2][4][4], const float* a_row0, const float* a_row1,
                                          const float* b_row0, const float* b_row1) {
    unsigned a_raw[2][4], b_pairs[2][4];
    ldmatrix_x4(a_raw[0], a_row0);
    ldmatrix_x4(a_raw[1], a_row1);
    ldmatrix_x4(b_pairs[0], b_row0);
    ldmatrix_x4(b_pairs[1], b_row1);
    unsigned a_big[2][4], a_small[2][4], b_big[4][2], b_small[4][2];
#pragma unroll
    for (int i = 0; i < 2; ++i) split_tf32<SPLIT>(a_raw[i], a_big[i], a_small[i]);
#pragma unroll
    for (int j = 0; j < 4; ++j) {
        const unsigned b_raw[2] = {b_pairs[j / 2][(j % 2) * 2], b_pairs[j / 2][(j % 2) * 2 + 1]};
        split_tf32<SPLIT>(b_raw, b_big[j], b_small[j]);
    }
    if (SPLIT) {
#pragma unroll
        for (int i = 0; i < 2; ++i) {
#pragma unroll
            for (int j = 0; j < 4; ++j) mma_tf32(acc[i][j], a_small[i], b_big[j]);
        }
#pragma unroll
        for (int i = 0; i < 2; ++i) {
#pragma unroll
            for (int j = 0; j < 4; ++j) mma_tf32(acc[i][j], a_big[i], b_small[j]);
        }
    }
#pragma unroll
    for (int i = 0; i < 2; ++i) {
#pragma unroll
        for (int j = 0; j < 4; ++j) mma_tf32(acc[i][j], a_big[i], b_big[j]);
    }
}

// out[i] = finish(acc + bias(m, col), i), i = row_offset(m) + column_offset(col), finish = problem.epilogue(),
// for the thread's 4 rows × 8 columns.
template <typename Problem>
__device__ __forceinline__ void mma_store(const Problem& problem, const float (&acc)[2][4][4], int m_base,
                                          int n_base, float* __restrict__ out) {
    const int g = (threadIdx.x % 32) / 4, t = threadIdx.x % 4;
    const auto finish = problem.epilogue();
    int column_offset[4][2];
#pragma unroll
    for (int j = 0; j < 4; ++j) {
#pragma unroll
        for (int e = 0; e < 2; ++e) {
            const int col = n_base + j * 8 + t * 2 + e;
            column_offset[j][e] = col < problem.columns ? problem.column_offset(col) : -1;
        }
    }
#pragma unroll
    for (int i = 0; i < 2; ++i) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int m = m_base + i * 16 + h * 8 + g;
            if (m >= problem.rows) continue;
            const auto row_offset = problem.row_offset(m);
#pragma unroll
            for (int j = 0; j < 4; ++j) {
#pragma unroll
                for (int e = 0; e < 2; ++e) {
                    if (column_offset[j][e] < 0) continue;
                    const int col = n_base + j * 8 + t * 2 + e;
                    const auto index = row_offset + column_offset[j][e];
                    out[index] = finish(acc[i][j][h * 2 + e] + problem.bias(m, col), index);
                }
            }
        }
    }
}

template <bool SPLIT, typename Tile, typename Problem>
__device__ __forceinline__ void mma_gemm(Problem& problem, int m0, int n0, float* __restrict__ out) {
#if __CUDA_ARCH__ >= 800
    __shared__ __align__(16) float As[Tile::STAGES][Tile::BM][Tile::LDS];
    __shared__ __align__(16) float Bs[Tile::STAGES][Tile::BN][Tile::LDS];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int warp_m = (warp / Tile::WARPS_N) * Tile::WARP_M, warp_n = (warp % Tile::WARPS_N) * Tile::WARP_N;
    // ldmatrix rows: A matrices (rows 0-7 | 8-15) × (k 0-3 | 4-7) give a0..a3; B matrices
    // (k 0-3 | 4-7) × (n 0-7 | 8-15) give b0, b1 of two n8 tiles.
    const int matrix = lane / 8, row = lane % 8;
    const int a_row = warp_m + row + (matrix & 1) * 8, a_k = (matrix >> 1) * 4;
    const int b_row = warp_n + row + (matrix >> 1) * 8, b_k = (matrix & 1) * 4;

    float acc[2][4][4];
#pragma unroll
    for (int i = 0; i < 2; ++i) {
#pragma unroll
        for (int j = 0; j < 4; ++j) {
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.0f;
        }
    }

    const int tiles = (problem.depth + Tile::BK - 1) / Tile::BK;
#pragma unroll
    for (int s = 0; s < Tile::STAGES - 1; ++s) {
        if (s < tiles) problem.load(s * Tile::BK, As[s], Bs[s]);
        cp_async_commit();  // one group per stage, empty or not, so that the wait below counts right
    }
    for (int t = 0; t < tiles; ++t) {
        cp_async_wait<Tile::STAGES - 2>();  // this thread's copies of stage t have landed
        __syncthreads();                    // everyone's have; and stage t − 1 is no longer read
        const int next = t + Tile::STAGES - 1;
        if (next < tiles) problem.load(next * Tile::BK, As[next % Tile::STAGES], Bs[next % Tile::STAGES]);
        cp_async_commit();
        const int stage = t % Tile::STAGES;
#pragma unroll
        for (int kk = 0; kk < Tile::BK; kk += 8) {
            mma_slice<SPLIT>(acc, &As[stage][a_row][kk + a_k], &As[stage][a_row + 16][kk + a_k],
                             &Bs[stage][b_row][kk + b_k], &Bs[stage][b_row + 16][kk + b_k]);
        }
    }
    cp_async_wait<0>();
    mma_store(problem, acc, m0 + warp_m, n0 + warp_n, out);
#else
    __trap();
#endif
}
