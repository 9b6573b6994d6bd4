// gemm.cu — tiled matrix product C = op(A)·op(B) (+ bias).
//
//   gemm:                  C[m, n] = Σ_k op(A)[m, k] · op(B)[k, n]  (+ bias[n] when has_bias)
//   split K (S slices):    P[s, m, n] = Σ_{k in slice s} op(A)[m, k] · op(B)[k, n]
//                          C[m, n] = Σ_{s = 0..S-1} P[s, m, n] (+ bias[n]), s in increasing order
//
// Layouts: row-major, C-contiguous. op(A) is M×K: A is stored M×K (n) or K×M (t); op(B) is K×N:
// B is stored K×N (n) or N×K (t). C is M×N; bias is (N,). The fully connected layer uses
//   forward          y  = x·Wᵀ + b   gemm_nt   (x: N×in, W: out×in)
//   backward-data    dx = dy·W       gemm_nn
//   backward-filter  dW = dyᵀ·x      gemm_tn
// A and B are indexed with 32-bit offsets: the launcher refuses an operand whose
// (rows + 128)·columns reaches 2^31. Launcher: minitransfer/ops/gemm.py; reference: NumPy's
// a @ b (minitransfer/ops/linear.py's _forward_reference / _backward_reference for the fc layer).
//
// Kernels (256 threads, one block per BM×BN tile of C and K slice, grid (⌈N/BN⌉, ⌈M/BM⌉, S + B)):
//   gemm_{nn,nt,tn,tt}_{f32,f64}(a, b, bias, c, M, N, K, k_chunk, has_bias, S, db, bias_gradient)
//       scalar global loads with per-element bounds: any shape, any pointer alignment.
//       Slice z = blockIdx.z < S covers k in [z·k_chunk, min(K, (z+1)·k_chunk)) and writes the plane
//       c + z·M·N; k_chunk is a multiple of BK. S = 1 writes C itself (bias fused); S > 1 writes
//       the partials P (has_bias 0) for gemm_reduce_splits. With bias_gradient = 1, the B extra
//       z-planes of blocks compute db[m] = Σ_k A[k, m] (the bias gradient when A = dy, dW = dyᵀ·x;
//       bias_gradient.cuh, the code of linear.cu's kernel): dW and db in one launch.
//   gemm_{nn,nt,tn,tt}_aligned_{f32,f64}(same arguments)
//       16-byte global loads (float4 / double2); needs the stored row length of A and of B
//       (a.shape[1], b.shape[1]) to be a multiple of 16 bytes / sizeof(T) and both pointers
//       16-byte aligned. Same summation order as the scalar variant: results are bit-identical.
//   gemm_reduce_splits_{f32,f64}(partials, bias, c, splits, M·N, N, has_bias, epilogue_mode,
//                                epilogue_mask, epilogue_scale, dropout_seed, dropout_counter, dropout_threshold)
//       one thread per element of C, adds the S planes in order: split K without atomics, so
//       small-M products (the fc layers at batch 256) still fill the GPU, deterministically; then
//       the bias and the epilogue (epilogue.cuh: ReLU, ReLU + dropout, ReLU's or ReLU + dropout's
//       mask): the fused fc layers finish here, with S = 1 too (the GEMM's main loop has no
//       registers to spare for an epilogue).
//
// GEMM scheme: float tiles are 128×128×8, each warp a 32×64 sub-tile, each thread 8×8 outputs;
// double tiles 64×64×8, warps 16×32, threads 4×4 (keeps the float64 instantiation free of spills).
// A thread's outputs are 16-byte vectors spaced 16 rows and 32 columns apart (float) inside its
// warp's sub-tile, so a warp's 16-byte shared reads of one k-row hit consecutive vectors: no bank
// conflicts. Each thread loads one 16-byte vector of A and one of B per k-tile into registers
// while the block computes on the other shared-memory buffer (double buffering, one barrier per
// tile); the fragments of k-row kk + 1 are read from shared memory while row kk is computed, and
// the next tile's first row is read right after the barrier, before the tile's last row is
// computed. Each output is summed over k in increasing order by one thread (per slice):
// deterministic, no atomics. The aligned f32 kernels fit 128 registers (two blocks per SM); the
// scalar f32 kernels need more and run one block per SM rather than spill.
// Measured on an H100 SXM at 4096³ (NN, aligned): 3.05 ms, 89% of cuBLAS fp32 (2.72 ms); the
// previous layout (bands half a tile apart, no fragment prefetch) took 3.33 ms (benchmarks/NOTES-gemm.md).
#include "common.cuh"
#include "bias_gradient.cuh"
#include "epilogue.cuh"
#include "gemm_mma.cuh"

template <typename T>
struct GemmTile;
// Block tile BM × BN × BK; each warp computes a WM × WN sub-tile, each thread TM × TN outputs.
template <>
struct GemmTile<float> {
    static constexpr int BM = 128, BN = 128, BK = 8, WM = 32, WN = 64, TM = 8, TN = 8;
};
template <>
struct GemmTile<double> {
    static constexpr int BM = 64, BN = 64, BK = 8, WM = 16, WN = 32, TM = 4, TN = 4;
};

constexpr int GEMM_THREADS = 256;

// 16 bytes of T between memory and registers.
__device__ __forceinline__ void load16(const float* p, float* r) {
    const float4 q = *reinterpret_cast<const float4*>(p);
    r[0] = q.x;
    r[1] = q.y;
    r[2] = q.z;
    r[3] = q.w;
}
__device__ __forceinline__ void load16(const double* p, double* r) {
    const double2 q = *reinterpret_cast<const double2*>(p);
    r[0] = q.x;
    r[1] = q.y;
}
__device__ __forceinline__ void store16(float* p, const float* r) {
    *reinterpret_cast<float4*>(p) = make_float4(r[0], r[1], r[2], r[3]);
}
__device__ __forceinline__ void store16(double* p, const double* r) {
    *reinterpret_cast<double2*>(p) = make_double2(r[0], r[1]);
}

// One operand's walk along K, a BO × BK tile at a time (BO outer indices: rows of op(A) or columns
// of op(B)). The operand x is stored either outer-major, x[o·depth + k] (K_CONTIGUOUS: A in "n",
// B in "t"), or depth-major, x[k·outer + o] (A in "t", B in "n"). Each thread moves V =
// 16/sizeof(T) consecutive elements of a stored row per tile; elements at o >= outer or
// k >= k_end read as 0. The walker keeps a 32-bit offset and counters, not indices or pointers,
// and folds "row o outside the operand" into its depth counter, so the f32 GEMM stays within 128
// registers.
template <typename T, int BO, bool K_CONTIGUOUS, bool ALIGNED>
struct OperandWalk {
    static constexpr int BK = GemmTile<T>::BK;
    static constexpr int V = 16 / sizeof(T);
    static_assert(BO * BK == GEMM_THREADS * V, "one 16-byte vector per thread per tile");
    static constexpr int PER_ROW = K_CONTIGUOUS ? BK / V : BO / V;  // threads along a stored row

    const T* x;      // the operand (a kernel parameter: costs no register)
    int offset;      // this thread's first element in the current tile, x + offset (32 bits: the
                     // launcher checks that every operand index fits)
    int tile_step;   // elements from one tile to the next: BK, or BK·outer
    int o_left;      // outer − o: elements of this thread's vector inside (read only by the
                     // scalar depth-major load)
    int k_left;      // k_end − k: depth left from this thread's first element; 0 when o >= outer,
                     // so that nothing of an outside row or vector is ever read (it only falls, by
                     // BK a tile: from 0, not from far below 0, it stays above −2^31 even for a
                     // one-column operand of 2^31 − 129 rows walked in one slice)
    int s_offset;    // this thread's first element in the shared tile s[k][o], row length BO + V

    __device__ __forceinline__ OperandWalk(const T* operand, int outer, int depth, int k_begin, int k_end, int o0,
                                           int tid) {
        const int o_local = K_CONTIGUOUS ? tid / PER_ROW : (tid % PER_ROW) * V;
        const int k_local = K_CONTIGUOUS ? (tid % PER_ROW) * V : tid / PER_ROW;
        const int o = o0 + o_local, k = k_begin + k_local;
        x = operand;
        offset = K_CONTIGUOUS ? o * depth + k : k * outer + o;
        tile_step = K_CONTIGUOUS ? BK : BK * outer;
        o_left = outer - o;
        k_left = o_left > 0 ? k_end - k : 0;
        s_offset = k_local * (BO + V) + o_local;
    }

    __device__ __forceinline__ void load(T* r) const {
        if (ALIGNED) {
            // k_end and outer are multiples of V: the vector is wholly inside or wholly outside.
            if (k_left > 0) {
                load16(x + offset, r);
            } else {
#pragma unroll
                for (int v = 0; v < V; ++v) r[v] = T(0);
            }
        } else if (K_CONTIGUOUS) {
#pragma unroll
            for (int v = 0; v < V; ++v) r[v] = v < k_left ? x[offset + v] : T(0);
        } else {
#pragma unroll
            for (int v = 0; v < V; ++v) r[v] = (k_left > 0 && v < o_left) ? x[offset + v] : T(0);
        }
    }

    __device__ __forceinline__ void advance() {
        offset += tile_step;
        k_left -= BK;
    }

    // Shared tiles are depth-major, s[k][o], rows padded by V elements against bank conflicts.
    __device__ __forceinline__ void store(T* s, const T* r) const {
        if (K_CONTIGUOUS) {
#pragma unroll
            for (int v = 0; v < V; ++v) s[s_offset + v * (BO + V)] = r[v];
        } else {
            store16(s + s_offset, r);
        }
    }
};

template <typename T, bool TRANS_A, bool TRANS_B, bool ALIGNED>
__device__ __forceinline__ void gemm(const T* __restrict__ a, const T* __restrict__ b,
                                     const T* __restrict__ bias, T* __restrict__ c, int M, int N, int K,
                                     int k_chunk, int has_bias) {
    using Tile = GemmTile<T>;
    constexpr int BM = Tile::BM, BN = Tile::BN, BK = Tile::BK, TM = Tile::TM, TN = Tile::TN;
    constexpr int V = 16 / sizeof(T);
    constexpr int RM = TM / V, RN = TN / V;                  // vectors per thread along m and along n
    constexpr int WTY = Tile::WM / TM, WTX = Tile::WN / TN;  // threads of a warp along m and along n
    static_assert(WTY * WTX == 32, "a warp is 32 threads");
    static_assert((BM / Tile::WM) * (BN / Tile::WN) * 32 == GEMM_THREADS, "the warps cover the block tile");

    __shared__ __align__(16) T a_tile[2][BK][BM + V];
    __shared__ __align__(16) T b_tile[2][BK][BN + V];

    const int tid = threadIdx.x;
    const int warp = tid / 32, lane = tid % 32;
    // This thread's first output row and column in the block tile; its others follow every
    // WTY·V rows and WTX·V columns inside its warp's WM × WN sub-tile.
    const int row0 = (warp / (BN / Tile::WN)) * Tile::WM + (lane / WTX) * V;
    const int col0 = (warp % (BN / Tile::WN)) * Tile::WN + (lane % WTX) * V;
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    // Split K: slice z sums k in [z·k_chunk, min(K, (z+1)·k_chunk)) into its own M×N plane of c.
    const int k_begin = blockIdx.z * k_chunk;
    const int k_end = k_chunk < K - k_begin ? k_begin + k_chunk : K;  // k_begin + k_chunk may pass 2^31 − 1

    OperandWalk<T, BM, !TRANS_A, ALIGNED> a_walk(a, M, K, k_begin, k_end, m0, tid);
    OperandWalk<T, BN, TRANS_B, ALIGNED> b_walk(b, N, K, k_begin, k_end, n0, tid);

    T acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; ++i) {
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = T(0);
    }

    T a_next[V], b_next[V];
    a_walk.load(a_next);
    b_walk.load(b_next);
    a_walk.store(&a_tile[0][0][0], a_next);
    b_walk.store(&b_tile[0][0][0], b_next);
    __syncthreads();

    // Fragments of k-row kk and kk + 1 (register double buffering).
    T a_frag[2][TM], b_frag[2][TN];
#pragma unroll
    for (int r = 0; r < RM; ++r) load16(&a_tile[0][0][row0 + r * WTY * V], &a_frag[0][r * V]);
#pragma unroll
    for (int q = 0; q < RN; ++q) load16(&b_tile[0][0][col0 + q * WTX * V], &b_frag[0][q * V]);

    int current = 0;  // the shared buffer holding this k-tile
    for (int tiles_left = (k_end - k_begin + BK - 1) / BK; tiles_left > 0; --tiles_left, current ^= 1) {
        const bool more = tiles_left > 1;
        if (more) {
            a_walk.advance();
            b_walk.advance();
            a_walk.load(a_next);
            b_walk.load(b_next);
        }
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            if (kk == BK - 1) {
                // The other buffer was last read before the previous barrier: safe to overwrite.
                if (more) {
                    a_walk.store(&a_tile[current ^ 1][0][0], a_next);
                    b_walk.store(&b_tile[current ^ 1][0][0], b_next);
                }
                __syncthreads();
            }
            // Read the next k-row (the next tile's first, after the barrier) before computing this one.
            if (kk < BK - 1 || more) {
                const int buffer = kk < BK - 1 ? current : current ^ 1;
                const int k_next = (kk + 1) % BK;
#pragma unroll
                for (int r = 0; r < RM; ++r)
                    load16(&a_tile[buffer][k_next][row0 + r * WTY * V], &a_frag[(kk + 1) % 2][r * V]);
#pragma unroll
                for (int q = 0; q < RN; ++q)
                    load16(&b_tile[buffer][k_next][col0 + q * WTX * V], &b_frag[(kk + 1) % 2][q * V]);
            }
#pragma unroll
            for (int i = 0; i < TM; ++i) {
#pragma unroll
                for (int j = 0; j < TN; ++j) acc[i][j] += a_frag[kk % 2][i] * b_frag[kk % 2][j];
            }
        }
    }

    const bool vector_store = N % V == 0;  // then c's rows start 16-byte aligned (c is fresh)
    T bias_n[TN];                          // the bias of this thread's columns, read once
#pragma unroll
    for (int j = 0; j < TN; ++j) {
        const int n = n0 + col0 + (j / V) * WTX * V + j % V;
        bias_n[j] = has_bias && n < N ? bias[n] : T(0);
    }
#pragma unroll
    for (int i = 0; i < TM; ++i) {
        const int m = m0 + row0 + (i / V) * WTY * V + i % V;
        if (m >= M) continue;
        T* row = c + ((mt_int64)blockIdx.z * M + m) * N;
#pragma unroll
        for (int q = 0; q < RN; ++q) {
            const int n = n0 + col0 + q * WTX * V;
            T out[V];
#pragma unroll
            for (int v = 0; v < V; ++v) out[v] = has_bias ? acc[i][q * V + v] + bias_n[q * V + v] : acc[i][q * V + v];
            if (vector_store) {
                if (n < N) store16(row + n, out);
            } else {
#pragma unroll
                for (int v = 0; v < V; ++v) {
                    if (n + v < N) row[n + v] = out[v];
                }
            }
        }
    }
}

template <typename T>
__device__ __forceinline__ void gemm_reduce_splits(const T* __restrict__ partials, const T* __restrict__ bias,
                                                   T* __restrict__ c, int splits, mt_int64 mn, int n, int has_bias,
                                                   const Epilogue<T>& epilogue) {
    const mt_int64 step = (mt_int64)gridDim.x * blockDim.x;
    const mt_uint32 key = epilogue.key();
    for (mt_int64 i = (mt_int64)blockIdx.x * blockDim.x + threadIdx.x; i < mn; i += step) {
        T sum = partials[i];
        for (int s = 1; s < splits; ++s) sum += partials[s * mn + i];
        c[i] = epilogue.apply(has_bias ? sum + bias[i % n] : sum, i, key);
    }
}

// The GEMM entry points' body: slice blockIdx.z < splits of the product (gemm or gemm_mma, `product`),
// or, for blockIdx.z >= splits with `bias_gradient`, blocks of db[m] = Σ_k A[k, m] (A stored K × M:
// the dy of dW = dyᵀ·x), linear.cu's linear_backward_bias block by block: one launch for dW and db.
template <typename T, typename Product>
__device__ __forceinline__ void gemm_launch(Product product, const T* __restrict__ a, int M, int K, int splits,
                                            T* __restrict__ db, int bias_gradient) {
    if ((int)blockIdx.z < splits) {
        product();
        return;
    }
    const int block = ((blockIdx.z - splits) * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    if (bias_gradient && block < (M + BIAS_COLUMNS - 1) / BIAS_COLUMNS)
        linear_bias_gradient<T>(a, db, K, M, block, threadIdx.x % BIAS_COLUMNS, threadIdx.x / BIAS_COLUMNS);
}

// Entry points: the aligned f32 GEMMs ask for two resident blocks per SM (≤ 128 registers per
// thread); the scalar ones for one (they would spill within 128).

extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 1)
gemm_nn_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
            int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm<float, false, false, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 1)
gemm_nt_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
            int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm<float, false, true, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 1)
gemm_tn_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
            int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm<float, true, false, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 1)
gemm_tt_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
            int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm<float, true, true, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 2)
gemm_nn_aligned_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                    int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm<float, false, false, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 2)
gemm_nt_aligned_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                    int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm<float, false, true, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 2)
gemm_tn_aligned_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                    int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm<float, true, false, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 2)
gemm_tt_aligned_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                    int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm<float, true, true, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}

extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_nn_f64(const double* a, const double* b, const double* bias, double* c, int M, int N, int K, int k_chunk, int has_bias,
            int splits, double* db, int bias_gradient) {
    const auto product = [&] { gemm<double, false, false, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<double>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_nt_f64(const double* a, const double* b, const double* bias, double* c, int M, int N, int K, int k_chunk, int has_bias,
            int splits, double* db, int bias_gradient) {
    const auto product = [&] { gemm<double, false, true, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<double>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_tn_f64(const double* a, const double* b, const double* bias, double* c, int M, int N, int K, int k_chunk, int has_bias,
            int splits, double* db, int bias_gradient) {
    const auto product = [&] { gemm<double, true, false, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<double>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_tt_f64(const double* a, const double* b, const double* bias, double* c, int M, int N, int K, int k_chunk, int has_bias,
            int splits, double* db, int bias_gradient) {
    const auto product = [&] { gemm<double, true, true, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<double>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_nn_aligned_f64(const double* a, const double* b, const double* bias, double* c, int M, int N, int K, int k_chunk, int has_bias,
                    int splits, double* db, int bias_gradient) {
    const auto product = [&] { gemm<double, false, false, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<double>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_nt_aligned_f64(const double* a, const double* b, const double* bias, double* c, int M, int N, int K, int k_chunk, int has_bias,
                    int splits, double* db, int bias_gradient) {
    const auto product = [&] { gemm<double, false, true, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<double>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_tn_aligned_f64(const double* a, const double* b, const double* bias, double* c, int M, int N, int K, int k_chunk, int has_bias,
                    int splits, double* db, int bias_gradient) {
    const auto product = [&] { gemm<double, true, false, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<double>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_tt_aligned_f64(const double* a, const double* b, const double* bias, double* c, int M, int N, int K, int k_chunk, int has_bias,
                    int splits, double* db, int bias_gradient) {
    const auto product = [&] { gemm<double, true, true, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<double>(product, a, M, K, splits, db, bias_gradient);
}

extern "C" __global__ void __launch_bounds__(256)
gemm_reduce_splits_f32(const float* partials, const float* bias, float* c, int splits, mt_int64 mn, int n, int has_bias,
                       int epilogue_mode, const float* epilogue_mask, float epilogue_scale, mt_uint32 dropout_seed,
                       const mt_uint32* dropout_counter, mt_uint32 dropout_threshold) {
    const Epilogue<float> epilogue{epilogue_mode, epilogue_mask, epilogue_scale, dropout_seed, dropout_counter,
                                    dropout_threshold};
    gemm_reduce_splits<float>(partials, bias, c, splits, mn, n, has_bias, epilogue);
}
extern "C" __global__ void __launch_bounds__(256)
gemm_reduce_splits_f64(const double* partials, const double* bias, double* c, int splits, mt_int64 mn, int n, int has_bias,
                       int epilogue_mode, const double* epilogue_mask, double epilogue_scale, mt_uint32 dropout_seed,
                       const mt_uint32* dropout_counter, mt_uint32 dropout_threshold) {
    const Epilogue<double> epilogue{epilogue_mode, epilogue_mask, epilogue_scale, dropout_seed, dropout_counter,
                                     dropout_threshold};
    gemm_reduce_splits<double>(partials, bias, c, splits, mn, n, has_bias, epilogue);
}

// Tensor-core entry points (gemm_mma.cuh; float32 only, sm_80+): gemm_<transposes>_<precision>_f32,
// precision tf32 or tf32x3, the same arguments as the FFMA GEMMs; 256 threads, one block per
// 128 × 64 tile of C and K slice, grid (⌈N/64⌉, ⌈M/128⌉, S); k_chunk a multiple of 16.
extern "C" __global__ void __launch_bounds__(MmaTileM128::THREADS, 2)
gemm_nn_tf32_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                 int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm_mma<false, false, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(MmaTileM128::THREADS, 2)
gemm_nn_tf32x3_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                   int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm_mma<false, false, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(MmaTileM128::THREADS, 2)
gemm_nt_tf32_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                 int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm_mma<false, true, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(MmaTileM128::THREADS, 2)
gemm_nt_tf32x3_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                   int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm_mma<false, true, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(MmaTileM128::THREADS, 2)
gemm_tn_tf32_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                 int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm_mma<true, false, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(MmaTileM128::THREADS, 2)
gemm_tn_tf32x3_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                   int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm_mma<true, false, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(MmaTileM128::THREADS, 2)
gemm_tt_tf32_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                 int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm_mma<true, true, false>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
extern "C" __global__ void __launch_bounds__(MmaTileM128::THREADS, 2)
gemm_tt_tf32x3_f32(const float* a, const float* b, const float* bias, float* c, int M, int N, int K, int k_chunk, int has_bias,
                   int splits, float* db, int bias_gradient) {
    const auto product = [&] { gemm_mma<true, true, true>(a, b, bias, c, M, N, K, k_chunk, has_bias); };
    gemm_launch<float>(product, a, M, K, splits, db, bias_gradient);
}
