// conv2d.cu — 2-D convolution with groups (Caffe's cross-correlation) as implicit GEMMs.
//
//   y[n, k, p, q] = b[k] + Σ_{c, r, s} w[k, c, r, s] · x[n, g·Cg + c, p·st − pad + r, q·st − pad + s]
//   g = k / Kg, Cg = C / groups, Kg = K / groups, x read as zero outside the image.
//
// Layouts (C-contiguous): x (N, C, H, W), w (K, Cg, R, S), b (K,), y and dy (N, K, P, Q),
// P = (H + 2·pad − R) / st + 1, Q = (W + 2·pad − S) / st + 1.
// Reference: minitransfer/ops/conv2d.py (_forward_reference, _backward_reference).
//
// Every direction is a GEMM per group, out[m, col] = Σ_j A[m, j] · B[j, col], computed by
// implicit_gemm below: 256 threads, a BM × BN output tile per block, 8 reduction steps per
// shared-memory stage, double buffered (the next stage is gathered from global memory into
// registers while the current one is multiplied). No im2col buffer: each operand element is
// gathered from the tensors with its convolution index arithmetic, zero outside the image.
// float uses 128 × 128 tiles (8 × 8 outputs per thread), double 64 × 64 (4 × 4 per thread).
// The _m64 variants use 64 × 128 float tiles (4 × 8 per thread) for GEMMs with few rows (conv2's
// backward-data has Cg = 48 rows, conv4's Kg = 192 = 3 × 64); their double tile is the same 64 × 64.
//
// Kernels (entry points <name>_f32 and <name>_f64):
//   conv2d_forward          y = W · im2col(x) + b: rows k (Kg), columns (n, p, q), depth (c, r, s);
//                           grid (columns / BN, Kg / BM, groups), bias added in the epilogue.
//   conv2d_backward_data    dx = Wᵀ · dy, split by stride phase (ρh, ρw) = ((h + pad) % st, (w + pad) % st):
//                           in a phase only r = ρh + st·tr, s = ρw + st·ts touch a pixel, at
//                           p = (h + pad − r) / st, so no reduction step is wasted on non-divisible
//                           offsets. Rows c (Cg), columns (n, ih, iw) of the phase, depth (k, tr, ts);
//                           grid (columns / BN, Cg / BM, groups · st²). Writes every dx element.
//   conv2d_backward_data_small_channels
//                           dx for few channels per group (conv1: Cg = 3), not a GEMM: one thread per
//                           TH = 8 pixels of a column of one stride phase and CB = 4 channels, the
//                           phase's taps of w staged in shared memory, each dy value loaded once per
//                           (k, ts, block of 3 kernel rows) into registers and used for every (pixel,
//                           tap) it reaches; grid (N · strips · phase width / 256, groups · st² · ⌈Cg / 4⌉).
//                           Writes every dx element.
//   conv2d_backward_filter  dW = dy · im2col(x)ᵀ over one chunk of the (n, p, q) positions:
//                           rows k (Kg), columns (c, r, s), depth = the chunk;
//                           grid (Cg·R·S / BN, Kg / BM, groups · splits), output workspace[split]
//                           (splits, K, Cg, R, S), or dw itself when splits == 1.
//   conv2d_{forward,backward_data,backward_filter}_m64   the same with 64-row float tiles.
//   conv2d_reduce_splits    dw[i] = Σ_split workspace[split, i], summed in split order: no atomics,
//                           bitwise reproducible.
//   conv2d_backward_bias    db[k] = Σ_{n, p, q} dy[n, k, p, q]: one block per k, each thread sums a
//                           fixed strided subset, then a fixed shared-memory tree (bias_gradient.cuh).
//
// Fusions (the lean training step; the unfused kernels above stay, as the test oracle): forward
// applies the ReLU after the layer in its epilogue (relu = 1); backward-data zeroes dx where the
// layer's input, a ReLU's output, is not positive (masked = 1: the ReLU's backward); backward-filter
// with fixup = 1 lets the last chunk block of each output tile sum the workspace planes into dw in
// chunk order (conv2d_reduce_splits' order: its bits, no second kernel) and with bias_gradient = 1
// runs conv2d_backward_bias's blocks as extra z-planes of the same grid: dw and db in one launch.
//
// Indices are 32-bit: the Python launcher (conv2d.py's check_kernel_sizes) keeps every tensor at
// most 2³¹ − 256 elements (counters step up to 255 past a size before their loop ends: the bias
// gradient's last l + 256 reaches N·P·Q + 255; a stage's k0 + 8 or depth + 15 past a GEMM's depth,
// less), and the padded input N·C·(H + 2·pad)·(W + 2·pad) too: window origins p·st − pad and
// backward-filter's partial offsets c·H·W + r·W + s and (n·C + g·Cg)·H·W + h0·W + w0, which leave the
// image where the padding does, stay below it. R is at most 2¹⁵ and S at most 2¹⁶ (backward-filter
// packs a tap as r << 16 | s in one int).
#include "common.cuh"
#include "bias_gradient.cuh"
#include "conv2d_shape.cuh"
#include "conv2d_mma.cuh"

constexpr int CONV_THREADS = 256;       // threads per block of the implicit GEMMs (THREADS in conv2d.py)

template <int BM_, int BN_, int TM_, int TN_>
struct ConvTile {
    static constexpr int BM = BM_;        // output rows per block
    static constexpr int BN = BN_;        // output columns per block
    static constexpr int BK = 8;          // reduction steps per shared-memory stage
    static constexpr int TM = TM_;        // output rows per thread, in runs of 4 spaced 64 apart
    static constexpr int TN = TN_;        // output columns per thread, likewise
    static constexpr int THREADS = CONV_THREADS;  // a 16 × 16 grid of threads covers the tile
    static constexpr int LOADS_A = BM * BK / THREADS;  // A elements each thread gathers per stage
    static constexpr int LOADS_B = BN * BK / THREADS;  // B elements each thread gathers per stage
    static constexpr int PAD = 4;         // shared-memory row padding against bank conflicts (keeps rows 16-byte aligned)
    static_assert(BM == 16 * TM && BN == 16 * TN, "16 × 16 threads must cover the tile");
};
typedef ConvTile<128, 128, 8, 8> Tile128;
typedef ConvTile<64, 128, 4, 8> Tile64x128;
typedef ConvTile<64, 64, 4, 4> Tile64;

// Tile row (or column) of a thread's i-th output: runs of 4 consecutive rows, 64 rows apart.
__device__ __forceinline__ int thread_row(int i, int ty) { return (i / 4) * 64 + ty * 4 + (i % 4); }

// Four consecutive shared-memory values (16-byte aligned) in as few load instructions as possible.
__device__ __forceinline__ void load_run(const float* from, float* to) {
    const float4 v = *reinterpret_cast<const float4*>(from);
    to[0] = v.x;
    to[1] = v.y;
    to[2] = v.z;
    to[3] = v.w;
}
__device__ __forceinline__ void load_run(const double* from, double* to) {
    const double2 low = reinterpret_cast<const double2*>(from)[0];
    const double2 high = reinterpret_cast<const double2*>(from)[1];
    to[0] = low.x;
    to[1] = low.y;
    to[2] = high.x;
    to[3] = high.y;
}

// Store the registers a thread gathered for one stage into shared memory, As[j][m] and Bs[j][col]:
// A at reduction slot a_j, rows a_row + 32·i; B either down the depth of one column
// (Problem::B_ALONG_DEPTH: Bs[b_j + i][b_col]) or along the columns of one depth slot
// (Bs[b_j][b_col + 32·i]).
template <typename T, typename Tile, typename Problem>
__device__ __forceinline__ void stage(const Problem& problem, T (&As)[Tile::BK][Tile::BM + Tile::PAD],
                                      T (&Bs)[Tile::BK][Tile::BN + Tile::PAD]) {
    constexpr int SPACING = Tile::THREADS / Tile::BK;
#pragma unroll
    for (int i = 0; i < Tile::LOADS_A; ++i) As[problem.a_j][problem.a_row + i * SPACING] = problem.a_regs[i];
#pragma unroll
    for (int i = 0; i < Tile::LOADS_B; ++i) {
        if (Problem::B_ALONG_DEPTH) {
            Bs[problem.b_j + i][problem.b_col] = problem.b_regs[i];
        } else {
            Bs[problem.b_j][problem.b_col + i * SPACING] = problem.b_regs[i];
        }
    }
}

// The GEMM core shared by the three directions. Problem supplies:
//   rows, columns, depth       this block's GEMM sizes (depth may be 0: the tile is then zero)
//   gather(k0)                 load the stage starting at reduction step k0 into its registers
//   a_j, a_row, a_regs, b_j, b_col, b_regs, B_ALONG_DEPTH    those registers and their places (stage above)
//   row_offset(m), column_offset(col), bias(m), epilogue()
//                              out[i] = finish(acc + bias(m), i), i = row_offset(m) + column_offset(col),
//                              finish = epilogue(): ReLU, ReLU's mask or nothing
template <typename T, typename Tile, typename Problem>
__device__ __forceinline__ void implicit_gemm(Problem& problem, int m0, int n0, T* __restrict__ out) {
    __shared__ __align__(16) T As[2][Tile::BK][Tile::BM + Tile::PAD];
    __shared__ __align__(16) T Bs[2][Tile::BK][Tile::BN + Tile::PAD];
    const int tx = threadIdx.x % 16;
    const int ty = threadIdx.x / 16;

    T acc[Tile::TM][Tile::TN];
#pragma unroll
    for (int i = 0; i < Tile::TM; ++i) {
#pragma unroll
        for (int j = 0; j < Tile::TN; ++j) acc[i][j] = T(0);
    }

    problem.gather(0);
    stage<T, Tile>(problem, As[0], Bs[0]);
    __syncthreads();
    int buffer = 0;
    for (int k0 = 0; k0 < problem.depth; k0 += Tile::BK) {
        const bool more = k0 + Tile::BK < problem.depth;
        if (more) problem.gather(k0 + Tile::BK);
#pragma unroll
        for (int kk = 0; kk < Tile::BK; ++kk) {
            T a[Tile::TM], b[Tile::TN];
#pragma unroll
            for (int i = 0; i < Tile::TM; i += 4) load_run(&As[buffer][kk][thread_row(i, ty)], &a[i]);
#pragma unroll
            for (int j = 0; j < Tile::TN; j += 4) load_run(&Bs[buffer][kk][thread_row(j, tx)], &b[j]);
#pragma unroll
            for (int i = 0; i < Tile::TM; ++i) {
#pragma unroll
                for (int j = 0; j < Tile::TN; ++j) acc[i][j] += a[i] * b[j];
            }
        }
        // The other buffer was last read before the previous barrier: safe to overwrite.
        if (more) stage<T, Tile>(problem, As[buffer ^ 1], Bs[buffer ^ 1]);
        __syncthreads();
        buffer ^= 1;
    }

    const auto finish = problem.epilogue();
#pragma unroll
    for (int j = 0; j < Tile::TN; ++j) {
        const int col = n0 + thread_row(j, tx);
        if (col >= problem.columns) continue;
        const int column_offset = problem.column_offset(col);
#pragma unroll
        for (int i = 0; i < Tile::TM; ++i) {
            const int m = m0 + thread_row(i, ty);
            if (m >= problem.rows) continue;
            const int index = problem.row_offset(m) + column_offset;
            out[index] = finish(acc[i][j] + problem.bias(m), index);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Forward: A = w viewed as (Kg, Cg·R·S) per group, B = im2col(x) gathered, out = y.
// A is read reduction-fastest (w rows are contiguous in j); B column-fastest (consecutive
// columns are consecutive q), each thread keeping one column and decoding its receptive field once.
template <typename T, typename Tile>
struct ForwardProblem {
    static constexpr bool B_ALONG_DEPTH = true;  // each thread gathers LOADS_B reduction steps of one column
    const T* __restrict__ x;
    const T* __restrict__ w;
    const T* __restrict__ b;
    ConvShape shape;
    int relu;                                 // ReLU on the output, fused (relu.cu's relu_forward)
    int g, rows, columns, depth;
    int a_j, a_row, a_offset;                 // reduction slot, first row, offset of w[g·Kg, 0]
    int b_col, b_j, b_h0, b_w0, b_offset;     // column slot, first reduction slot, window origin, x[n, g·Cg]
    T a_regs[Tile::LOADS_A];
    T b_regs[Tile::LOADS_B];

    __device__ __forceinline__ ForwardProblem(const T* x_, const T* w_, const T* b_, const ConvShape& s, int relu_, int n0)
        : x(x_), w(w_), b(b_), shape(s), relu(relu_) {
        g = blockIdx.z;
        rows = s.Kg;
        columns = s.N * s.PQ;
        depth = s.Cg * s.RS;
        a_j = threadIdx.x % Tile::BK;
        a_row = threadIdx.x / Tile::BK;
        a_offset = (g * s.Kg) * depth;
        b_col = threadIdx.x % Tile::BN;
        b_j = (threadIdx.x / Tile::BN) * Tile::LOADS_B;
        // Past the GEMM's edge, columns and rows are clamped to the last one rather than masked:
        // their products are never stored, and the kernel saves a mask's registers.
        const int col = n0 + b_col < columns ? n0 + b_col : columns - 1;
        const ForwardWindow window(s, g, col);
        b_h0 = window.h0;
        b_w0 = window.w0;
        b_offset = window.offset;
    }

    __device__ __forceinline__ void gather(int k0) {
        const int j = k0 + a_j;
#pragma unroll
        for (int i = 0; i < Tile::LOADS_A; ++i) {
            const int unclamped = blockIdx.y * Tile::BM + a_row + i * (Tile::THREADS / Tile::BK);
            const int m = unclamped < rows ? unclamped : rows - 1;
            a_regs[i] = j < depth ? w[a_offset + m * depth + j] : T(0);
        }
        int jb = k0 + b_j;
        int c = jb / shape.RS;
        int r = (jb - c * shape.RS) / shape.S;
        int s = jb - c * shape.RS - r * shape.S;
#pragma unroll
        for (int i = 0; i < Tile::LOADS_B; ++i) {
            const int h = b_h0 + r, ww = b_w0 + s;
            const bool ok = jb < depth && inside(h, shape.H) && inside(ww, shape.W);
            b_regs[i] = ok ? x[b_offset + c * shape.HW + h * shape.W + ww] : T(0);
            ++jb;
            next_window_tap(shape, c, r, s);
        }
    }

    __device__ __forceinline__ int row_offset(int m) const { return (g * shape.Kg + m) * shape.PQ; }
    __device__ __forceinline__ int column_offset(int col) const { return forward_column_offset(shape, col); }
    __device__ __forceinline__ T bias(int m) const { return b[g * shape.Kg + m]; }
    __device__ __forceinline__ auto epilogue() const {
        return [relu = relu](T v, int) { return relu ? (v > T(0) ? v : T(0)) : v; };
    }
};

template <typename T, typename Tile>
__device__ __forceinline__ void conv2d_forward(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ b,
                                               T* __restrict__ y, const ConvShape& shape, int relu) {
    const int m0 = blockIdx.y * Tile::BM, n0 = blockIdx.x * Tile::BN;
    ForwardProblem<T, Tile> problem(x, w, b, shape, relu, n0);
    implicit_gemm<T, Tile>(problem, m0, n0, y);
}

// ---------------------------------------------------------------------------------------------
// Backward data, one stride phase (ρh, ρw) per blockIdx.z (with the group; StridePhase above).
// A = w[g·Kg + k, c, r, s] as (Cg rows, (k, tr, ts) depth); B = dy gathered at (p, q).
template <typename T, typename Tile>
struct BackwardDataProblem {
    static constexpr bool B_ALONG_DEPTH = true;  // each thread gathers LOADS_B reduction steps of one column
    const T* __restrict__ dy;
    const T* __restrict__ w;
    const T* __restrict__ mask;              // with `masked`: dx is kept where mask (the layer's input) > 0
    ConvShape shape;
    int masked;
    int g;
    StridePhase phase;
    int rows, columns, depth, taps;          // taps = taps_h · taps_w (at least 1, as a divisor)
    int a_j, a_row;
    int b_col, b_j, b_p0, b_q0, b_offset;
    T a_regs[Tile::LOADS_A];
    T b_regs[Tile::LOADS_B];

    __device__ __forceinline__ BackwardDataProblem(const T* dy_, const T* w_, const T* mask_, const ConvShape& s,
                                                   int masked_, int n0)
        : dy(dy_), w(w_), mask(mask_), shape(s), masked(masked_), g(blockIdx.z / (s.stride * s.stride)),
          phase(s, blockIdx.z % (s.stride * s.stride)) {
        taps = phase.taps_h * phase.taps_w > 0 ? phase.taps_h * phase.taps_w : 1;
        rows = s.Cg;
        columns = s.N * phase.phase_h * phase.phase_w;
        depth = s.Kg * phase.taps_h * phase.taps_w;
        a_j = threadIdx.x % Tile::BK;
        a_row = threadIdx.x / Tile::BK;
        b_col = threadIdx.x % Tile::BN;
        b_j = (threadIdx.x / Tile::BN) * Tile::LOADS_B;
        // Past the GEMM's edge, columns and rows are clamped to the last one rather than masked:
        // their products are never stored, and the kernel saves a mask's registers.
        const int col = n0 + b_col < columns ? n0 + b_col : columns - 1;
        const PhasePixel pixel(s, phase, g, col);
        b_p0 = pixel.p0;
        b_q0 = pixel.q0;
        b_offset = pixel.offset;
    }

    __device__ __forceinline__ void gather(int k0) {
        const int taps_w1 = phase.taps_w > 0 ? phase.taps_w : 1;
        {
            const int j = k0 + a_j;
            const int k = j / taps;
            const int tr = (j - k * taps) / taps_w1;
            const int ts = j - k * taps - tr * taps_w1;
            const int offset = (g * shape.Kg + k) * shape.Cg * shape.RS + (phase.rho_h + shape.stride * tr) * shape.S +
                               phase.rho_w + shape.stride * ts;
#pragma unroll
            for (int i = 0; i < Tile::LOADS_A; ++i) {
                const int unclamped = blockIdx.y * Tile::BM + a_row + i * (Tile::THREADS / Tile::BK);
                const int c = unclamped < rows ? unclamped : rows - 1;
                a_regs[i] = j < depth ? w[offset + c * shape.RS] : T(0);
            }
        }
        int j = k0 + b_j;
        int k = j / taps;
        int tr = (j - k * taps) / taps_w1;
        int ts = j - k * taps - tr * taps_w1;
#pragma unroll
        for (int i = 0; i < Tile::LOADS_B; ++i) {
            const int p = b_p0 - tr, q = b_q0 - ts;
            const bool ok = j < depth && inside(p, shape.P) && inside(q, shape.Q);
            b_regs[i] = ok ? dy[b_offset + k * shape.PQ + p * shape.Q + q] : T(0);
            ++j;
            next_phase_tap(phase, k, tr, ts);
        }
    }

    __device__ __forceinline__ int row_offset(int c) const { return (g * shape.Cg + c) * shape.HW; }
    __device__ __forceinline__ int column_offset(int col) const { return phase_column_offset(shape, phase, col); }
    __device__ __forceinline__ T bias(int) const { return T(0); }
    __device__ __forceinline__ auto epilogue() const {
        return [mask = mask, masked = masked](T v, int i) { return masked ? (mask[i] > T(0) ? v : T(0)) : v; };
    }
};

template <typename T, typename Tile>
__device__ __forceinline__ void conv2d_backward_data(const T* __restrict__ dy, const T* __restrict__ w, T* __restrict__ dx,
                                                     const ConvShape& shape, const T* __restrict__ mask, int masked) {
    const int m0 = blockIdx.y * Tile::BM, n0 = blockIdx.x * Tile::BN;
    BackwardDataProblem<T, Tile> problem(dy, w, mask, shape, masked, n0);
    if (n0 >= problem.columns) return;  // this phase has fewer pixels than the grid covers
    implicit_gemm<T, Tile>(problem, m0, n0, dx);
}

// ---------------------------------------------------------------------------------------------
// Backward data for few channels per group (conv1: Cg = 3), where a GEMM with Cg rows would leave
// its tiles almost empty. blockIdx.y = (g · st² + phase) · chunks + chunk picks the group, the
// stride phase and CB channels c0 .. c0 + CB − 1; thread t of the grid's x picks the image n, a
// column iw of the phase and a strip of TH phase rows ih0 .. ih0 + TH − 1 (consecutive threads:
// consecutive columns, so the dy loads of a warp are contiguous). For each filter k, kernel
// column ts and block of TR kernel rows tr0 .. tr0 + TR − 1, the TH + TR − 1 dy values of column
// q = q_base + iw − ts that these taps bring to the strip are loaded once into registers
// (window[j] = dy row p0 + j − tr0 − TR + 1) and each is used for every (row, tap) it reaches.
// The phase's taps of w, as w_phase[k][tr][ts][c] with the rows padded with zeros to a multiple
// of TR, are staged in shared memory SMALL_STAGE values at a time (the launcher keeps one
// filter's padded taps · CB ≤ SMALL_STAGE).
constexpr int SMALL_CB = 4;          // channels per thread
constexpr int SMALL_TH = 8;          // phase rows per thread
constexpr int SMALL_TR = 3;          // kernel rows per register block
constexpr int SMALL_THREADS = 256;
constexpr int SMALL_STAGE = 4096;    // shared-memory w values per round of filters

template <typename T>
__device__ __forceinline__ void conv2d_backward_data_small_channels(const T* __restrict__ dy, const T* __restrict__ w,
                                                                    T* __restrict__ dx, const ConvShape& s,
                                                                    const T* __restrict__ mask, int masked) {
    __shared__ __align__(16) T w_phase[SMALL_STAGE];
    const int st = s.stride;
    const int chunks = (s.Cg + SMALL_CB - 1) / SMALL_CB;
    const int g = blockIdx.y / (st * st * chunks);
    const StridePhase phase(s, (blockIdx.y / chunks) % (st * st));
    const int c0 = (blockIdx.y % chunks) * SMALL_CB;
    const int strips = (phase.phase_h + SMALL_TH - 1) / SMALL_TH;
    const int threads = s.N * strips * phase.phase_w;
    const int first = blockIdx.x * SMALL_THREADS;
    if (first >= threads) return;  // the whole block: this phase has fewer pixels than the grid covers
    // Threads past the end work on the last pixel (they take part in the barriers) and store nothing.
    const bool active = first + (int)threadIdx.x < threads;
    const int t = active ? first + (int)threadIdx.x : threads - 1;
    const int iw = t % phase.phase_w;
    const int strip = (t / phase.phase_w) % strips;
    const int n = t / (phase.phase_w * strips);
    const int p0 = phase.p_base + strip * SMALL_TH;
    const int q0 = phase.q_base + iw;
    const int row_blocks = (phase.taps_h + SMALL_TR - 1) / SMALL_TR;
    const int taps = row_blocks * SMALL_TR * phase.taps_w;  // staged taps per filter, padded rows included

    T acc[SMALL_TH][SMALL_CB];
#pragma unroll
    for (int i = 0; i < SMALL_TH; ++i) {
#pragma unroll
        for (int c = 0; c < SMALL_CB; ++c) acc[i][c] = T(0);
    }
    const int round = taps > 0 ? SMALL_STAGE / (taps * SMALL_CB) : s.Kg;  // filters per shared-memory round
    for (int k0 = 0; taps > 0 && k0 < s.Kg; k0 += round) {
        const int filters = s.Kg - k0 < round ? s.Kg - k0 : round;
        __syncthreads();  // the previous round's w_phase has been read
        for (int i = threadIdx.x; i < filters * taps * SMALL_CB; i += SMALL_THREADS) {
            const int c = i % SMALL_CB;
            const int k = i / (SMALL_CB * taps);
            const int tap = i / SMALL_CB - k * taps;
            const int tr = tap / phase.taps_w;
            const int ts = tap - tr * phase.taps_w;
            const int r = phase.rho_h + st * tr, kernel_col = phase.rho_w + st * ts;
            const bool real = c0 + c < s.Cg && tr < phase.taps_h;
            w_phase[i] = real ? w[(((g * s.Kg + k0 + k) * s.Cg + c0 + c) * s.R + r) * s.S + kernel_col] : T(0);
        }
        __syncthreads();
        const T* dy_k = dy + (n * s.K + g * s.Kg + k0) * s.PQ;
        for (int k = 0; k < filters; ++k, dy_k += s.PQ) {
            const T* w_k = w_phase + k * taps * SMALL_CB;
            for (int ts = 0; ts < phase.taps_w; ++ts) {
                const int q = q0 - ts;
                const bool column_inside = inside(q, s.Q);
                for (int tr0 = 0; tr0 < row_blocks * SMALL_TR; tr0 += SMALL_TR) {
                    T window[SMALL_TH + SMALL_TR - 1];
#pragma unroll
                    for (int j = 0; j < SMALL_TH + SMALL_TR - 1; ++j) {
                        const int p = p0 + j - tr0 - (SMALL_TR - 1);
                        window[j] = column_inside && inside(p, s.P) ? dy_k[p * s.Q + q] : T(0);
                    }
                    T w_tap[SMALL_TR][SMALL_CB];
#pragma unroll
                    for (int dt = 0; dt < SMALL_TR; ++dt) load_run(w_k + ((tr0 + dt) * phase.taps_w + ts) * SMALL_CB, w_tap[dt]);
#pragma unroll
                    for (int i = 0; i < SMALL_TH; ++i) {
#pragma unroll
                        for (int dt = 0; dt < SMALL_TR; ++dt) {
#pragma unroll
                            for (int c = 0; c < SMALL_CB; ++c) acc[i][c] += w_tap[dt][c] * window[i - dt + SMALL_TR - 1];
                        }
                    }
                }
            }
        }
    }

    if (!active) return;
    const int ww = phase.w_base + st * iw;
#pragma unroll
    for (int i = 0; i < SMALL_TH; ++i) {
        const int ih = strip * SMALL_TH + i;
        if (ih >= phase.phase_h) break;
        const int h = phase.h_base + st * ih;
#pragma unroll
        for (int c = 0; c < SMALL_CB; ++c) {
            if (c0 + c >= s.Cg) continue;
            const int index = ((n * s.C + g * s.Cg + c0 + c) * s.H + h) * s.W + ww;
            dx[index] = masked ? (mask[index] > T(0) ? acc[i][c] : T(0)) : acc[i][c];
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Backward filter over one chunk [l_begin, l_begin + depth) of the positions l = (n, p, q):
// A = dy as (Kg rows, l depth), B = im2col(x) as (l depth, (c, r, s) columns). Both are read
// reduction-fastest (consecutive l are consecutive q); each thread keeps LOADS_B columns and
// decodes their (c, r, s) once.
template <typename T, typename Tile>
struct BackwardFilterProblem : FilterChunk {
    static constexpr bool B_ALONG_DEPTH = false;  // each thread gathers one reduction step of LOADS_B columns
    const T* __restrict__ dy;
    const T* __restrict__ x;
    ConvShape shape;
    int a_j, a_row, b_j, b_col;
    int col_rs[Tile::LOADS_B];               // r << 16 | s of each column (packed: fewer registers)
    int col_offset[Tile::LOADS_B];           // c·H·W + r·W + s
    T a_regs[Tile::LOADS_A];
    T b_regs[Tile::LOADS_B];

    __device__ __forceinline__ BackwardFilterProblem(const T* dy_, const T* x_, const ConvShape& s, int splits, int chunk,
                                                     int n0)
        : FilterChunk(s, splits, chunk), dy(dy_), x(x_), shape(s) {
        a_j = threadIdx.x % Tile::BK;
        a_row = threadIdx.x / Tile::BK;
        b_j = threadIdx.x % Tile::BK;
        b_col = threadIdx.x / Tile::BK;
        // Rows and columns past the edge of the GEMM are clamped to the last one rather than
        // masked: their products are never stored, and the kernel saves the registers of a mask.
#pragma unroll
        for (int i = 0; i < Tile::LOADS_B; ++i) {
            const int unclamped = n0 + b_col + i * (Tile::THREADS / Tile::BK);
            const int col = unclamped < columns ? unclamped : columns - 1;
            const int c = col / s.RS;
            const int r = (col - c * s.RS) / s.S;
            const int kernel_col = col - c * s.RS - r * s.S;
            col_rs[i] = (r << 16) | kernel_col;
            col_offset[i] = c * s.HW + r * s.W + kernel_col;
        }
    }

    __device__ __forceinline__ void gather(int k0) {
        const bool ok = k0 + a_j < depth;  // a_j == b_j: one position l per thread and stage
        // A slot past the chunk's end reads nothing; it decodes position 0, not l ≥ N·P·Q, whose
        // n = N or more would carry the offsets below past 2^31 − 1 (N·K·P·Q + g·Kg·P·Q).
        const int l = ok ? l_begin + k0 + a_j : 0;
        const int n = l / shape.PQ;
        const int pq = l - n * shape.PQ;
        const int a_offset = (n * shape.K + g * shape.Kg) * shape.PQ + pq;
#pragma unroll
        for (int i = 0; i < Tile::LOADS_A; ++i) {
            const int unclamped = blockIdx.y * Tile::BM + a_row + i * (Tile::THREADS / Tile::BK);
            const int k = unclamped < rows ? unclamped : rows - 1;
            a_regs[i] = ok ? dy[a_offset + k * shape.PQ] : T(0);
        }
        const int p = pq / shape.Q;
        const int h0 = p * shape.stride - shape.pad;
        const int w0 = (pq - p * shape.Q) * shape.stride - shape.pad;
        const int b_offset = (n * shape.C + g * shape.Cg) * shape.HW + h0 * shape.W + w0;
#pragma unroll
        for (int i = 0; i < Tile::LOADS_B; ++i) {
            const bool inside_image = inside(h0 + (col_rs[i] >> 16), shape.H) && inside(w0 + (col_rs[i] & 0xffff), shape.W);
            b_regs[i] = ok && inside_image ? x[b_offset + col_offset[i]] : T(0);
        }
    }

    __device__ __forceinline__ int row_offset(int k) const { return (split * shape.K + g * shape.Kg + k) * columns; }
    __device__ __forceinline__ int column_offset(int col) const { return col; }
    __device__ __forceinline__ T bias(int) const { return T(0); }
    __device__ __forceinline__ auto epilogue() const {
        return [](T v, int) { return v; };
    }
};

template <typename T, typename Tile>
__device__ __forceinline__ void conv2d_backward_filter(const T* __restrict__ dy, const T* __restrict__ x,
                                                       T* __restrict__ workspace, const ConvShape& shape, int splits,
                                                       int chunk) {
    const int m0 = blockIdx.y * Tile::BM, n0 = blockIdx.x * Tile::BN;
    BackwardFilterProblem<T, Tile> problem(dy, x, shape, splits, chunk, n0);
    implicit_gemm<T, Tile>(problem, m0, n0, workspace);
}

// The split fixup of the fused backward-filter launch (common.cuh's last_to_arrive): the last chunk
// block of the output tile at filters m0.. of group g, columns n0.. adds the chunks' workspace
// planes like conv2d_reduce_splits, in split order.
template <typename T>
__device__ __forceinline__ void finish_filter_tile(const T* __restrict__ workspace, T* __restrict__ dw,
                                                   const ConvShape& s, int splits, int g, int m0, int n0, int tile_m,
                                                   int tile_n) {
    const int columns = s.Cg * s.RS, count = s.K * columns;
    for (int e = threadIdx.x; e < tile_m * tile_n; e += blockDim.x) {
        const int k = m0 + e / tile_n, col = n0 + e % tile_n;
        if (k >= s.Kg || col >= columns) continue;
        const int i = (g * s.Kg + k) * columns + col;
        T sum = T(0);
        for (int split = 0; split < splits; ++split) sum += __ldcg(workspace + split * count + i);
        dw[i] = sum;
    }
}

// One launch of backward-filter with everything around it (the entry points' body):
//   blockIdx.z < groups · splits:  product() computes chunk blockIdx.z % splits of group
//                                  blockIdx.z / splits into its workspace plane (dw itself with one
//                                  chunk); with `fixup` the tile's last chunk block finishes dw;
//   beyond:                        with `bias_gradient`, one block per k of db (conv2d_backward_bias).
template <typename T, typename Product>
__device__ __forceinline__ void filter_launch(Product product, const T* __restrict__ dy, const T* __restrict__ workspace,
                                              const ConvShape& shape, int splits, T* __restrict__ dw,
                                              int* tile_counters, int fixup, T* __restrict__ db, int bias_gradient,
                                              int tile_m, int tile_n) {
    const int products = shape.groups * splits;
    if ((int)blockIdx.z >= products) {
        const int k = ((blockIdx.z - products) * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
        if (bias_gradient && k < shape.K) conv_bias_gradient<T>(dy, db, shape.N, shape.K, shape.PQ, k);
        return;
    }
    product();
    if (splits == 1 || !fixup) return;
    const int g = blockIdx.z / splits;
    if (last_to_arrive(tile_counters + (g * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x, splits))
        finish_filter_tile(workspace, dw, shape, splits, g, blockIdx.y * tile_m, blockIdx.x * tile_n, tile_m, tile_n);
}

// ---------------------------------------------------------------------------------------------
// dw[i] = Σ_split workspace[split · count + i], in split order.
template <typename T>
__device__ __forceinline__ void conv2d_reduce_splits(const T* __restrict__ workspace, T* __restrict__ dw, int count,
                                                     int splits) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
        T sum = T(0);
        for (int split = 0; split < splits; ++split) sum += workspace[split * count + i];
        dw[i] = sum;
    }
}

// ---------------------------------------------------------------------------------------------
// Entry points. Shape arguments, in order: N, C, H, W, K, R, S, P, Q, stride, pad, groups; then
//   forward          relu: ReLU in the epilogue (1) or not (0)
//   backward-data    mask, masked: with masked = 1, dx[i] = 0 wherever mask[i] <= 0 (ReLU's backward
//                    fused: mask is the layer's input, the ReLU's output); mask is not read otherwise
//   backward-filter  splits, chunk (the N·P·Q split), then dw, tile_counters, fixup: with fixup = 1 the
//                    last chunk block of each tile sums the workspace planes into dw (no reduce kernel;
//                    tile_counters zero, one per tile, left zero); db, bias_gradient: with
//                    bias_gradient = 1, blocks beyond groups·splits in z compute db (no bias kernel)

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_forward_f32(const float* x, const float* w, const float* b, float* y, int N, int C, int H, int W, int K, int R,
                   int S, int P, int Q, int stride, int pad, int groups, int relu) {
    conv2d_forward<float, Tile128>(x, w, b, y, ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), relu);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_forward_m64_f32(const float* x, const float* w, const float* b, float* y, int N, int C, int H, int W, int K,
                       int R, int S, int P, int Q, int stride, int pad, int groups, int relu) {
    conv2d_forward<float, Tile64x128>(x, w, b, y, ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), relu);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_forward_f64(const double* x, const double* w, const double* b, double* y, int N, int C, int H, int W, int K,
                   int R, int S, int P, int Q, int stride, int pad, int groups, int relu) {
    conv2d_forward<double, Tile64>(x, w, b, y, ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), relu);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_forward_m64_f64(const double* x, const double* w, const double* b, double* y, int N, int C, int H, int W,
                       int K, int R, int S, int P, int Q, int stride, int pad, int groups, int relu) {
    conv2d_forward<double, Tile64>(x, w, b, y, ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), relu);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_data_f32(const float* dy, const float* w, float* dx, int N, int C, int H, int W, int K, int R, int S,
                         int P, int Q, int stride, int pad, int groups, const float* mask, int masked) {
    conv2d_backward_data<float, Tile128>(dy, w, dx,
                                         ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), mask, masked);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_data_m64_f32(const float* dy, const float* w, float* dx, int N, int C, int H, int W, int K, int R,
                             int S, int P, int Q, int stride, int pad, int groups, const float* mask, int masked) {
    conv2d_backward_data<float, Tile64x128>(dy, w, dx,
                                            ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), mask, masked);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_data_f64(const double* dy, const double* w, double* dx, int N, int C, int H, int W, int K, int R,
                         int S, int P, int Q, int stride, int pad, int groups, const double* mask, int masked) {
    conv2d_backward_data<double, Tile64>(dy, w, dx,
                                         ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), mask, masked);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_data_m64_f64(const double* dy, const double* w, double* dx, int N, int C, int H, int W, int K, int R,
                             int S, int P, int Q, int stride, int pad, int groups, const double* mask, int masked) {
    conv2d_backward_data<double, Tile64>(dy, w, dx,
                                         ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), mask, masked);
}

extern "C" __global__ void __launch_bounds__(SMALL_THREADS, 3)
conv2d_backward_data_small_channels_f32(const float* dy, const float* w, float* dx, int N, int C, int H, int W, int K,
                                        int R, int S, int P, int Q, int stride, int pad, int groups,
                                        const float* mask, int masked) {
    conv2d_backward_data_small_channels<float>(dy, w, dx,
                                               ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), mask, masked);
}

// double: 2 blocks per SM (128 registers); 3 blocks' 80 registers would spill the accumulators.
extern "C" __global__ void __launch_bounds__(SMALL_THREADS, 2)
conv2d_backward_data_small_channels_f64(const double* dy, const double* w, double* dx, int N, int C, int H, int W,
                                        int K, int R, int S, int P, int Q, int stride, int pad, int groups,
                                        const double* mask, int masked) {
    conv2d_backward_data_small_channels<double>(dy, w, dx,
                                                ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), mask, masked);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_filter_f32(const float* dy, const float* x, float* workspace, int N, int C, int H, int W, int K,
                           int R, int S, int P, int Q, int stride, int pad, int groups, int splits, int chunk,
                           float* dw, int* tile_counters, int fixup, float* db, int bias_gradient) {
    const ConvShape shape(N, C, H, W, K, R, S, P, Q, stride, pad, groups);
    const auto product = [&] { conv2d_backward_filter<float, Tile128>(dy, x, workspace, shape, splits, chunk); };
    filter_launch<float>(product, dy, workspace, shape, splits, dw, tile_counters, fixup, db, bias_gradient,
                         Tile128::BM, Tile128::BN);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_filter_m64_f32(const float* dy, const float* x, float* workspace, int N, int C, int H, int W, int K,
                               int R, int S, int P, int Q, int stride, int pad, int groups, int splits, int chunk,
                               float* dw, int* tile_counters, int fixup, float* db, int bias_gradient) {
    const ConvShape shape(N, C, H, W, K, R, S, P, Q, stride, pad, groups);
    const auto product = [&] { conv2d_backward_filter<float, Tile64x128>(dy, x, workspace, shape, splits, chunk); };
    filter_launch<float>(product, dy, workspace, shape, splits, dw, tile_counters, fixup, db, bias_gradient,
                         Tile64x128::BM, Tile64x128::BN);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_filter_f64(const double* dy, const double* x, double* workspace, int N, int C, int H, int W, int K,
                           int R, int S, int P, int Q, int stride, int pad, int groups, int splits, int chunk,
                           double* dw, int* tile_counters, int fixup, double* db, int bias_gradient) {
    const ConvShape shape(N, C, H, W, K, R, S, P, Q, stride, pad, groups);
    const auto product = [&] { conv2d_backward_filter<double, Tile64>(dy, x, workspace, shape, splits, chunk); };
    filter_launch<double>(product, dy, workspace, shape, splits, dw, tile_counters, fixup, db, bias_gradient,
                          Tile64::BM, Tile64::BN);
}

extern "C" __global__ void __launch_bounds__(256, 2)
conv2d_backward_filter_m64_f64(const double* dy, const double* x, double* workspace, int N, int C, int H, int W,
                               int K, int R, int S, int P, int Q, int stride, int pad, int groups, int splits,
                               int chunk, double* dw, int* tile_counters, int fixup, double* db, int bias_gradient) {
    const ConvShape shape(N, C, H, W, K, R, S, P, Q, stride, pad, groups);
    const auto product = [&] { conv2d_backward_filter<double, Tile64>(dy, x, workspace, shape, splits, chunk); };
    filter_launch<double>(product, dy, workspace, shape, splits, dw, tile_counters, fixup, db, bias_gradient,
                          Tile64::BM, Tile64::BN);
}

extern "C" __global__ void conv2d_reduce_splits_f32(const float* workspace, float* dw, int count, int splits) {
    conv2d_reduce_splits<float>(workspace, dw, count, splits);
}
extern "C" __global__ void conv2d_reduce_splits_f64(const double* workspace, double* dw, int count, int splits) {
    conv2d_reduce_splits<double>(workspace, dw, count, splits);
}

extern "C" __global__ void __launch_bounds__(BIAS_THREADS)
conv2d_backward_bias_f32(const float* dy, float* db, int N, int K, int PQ) {
    conv_bias_gradient<float>(dy, db, N, K, PQ, blockIdx.x);
}
extern "C" __global__ void __launch_bounds__(BIAS_THREADS)
conv2d_backward_bias_f64(const double* dy, double* db, int N, int K, int PQ) {
    conv_bias_gradient<double>(dy, db, N, K, PQ, blockIdx.x);
}

// Tensor-core entry points (conv2d_mma.cuh; float32 only, sm_80+): <direction>_tc_<tile>_<precision>_f32,
// tile m128 = 128 rows × 64 columns, m64 = 64 × 128; precision tf32 or tf32x3. Same arguments and grids
// as the FFMA entry points of the same direction, with the tile's BM × BN.
constexpr int MMA_THREADS = MmaTileM128::THREADS;
static_assert(MmaTileM64::THREADS == MMA_THREADS, "one block size for every tensor-core tile");

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_forward_tc_m128_tf32_f32(const float* x, const float* w, const float* b, float* y, int N, int C, int H, int W,
                                int K, int R, int S, int P, int Q, int stride, int pad, int groups, int relu) {
    conv2d_forward_mma<false, MmaTileM128>(x, w, b, y, ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), relu);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_forward_tc_m128_tf32x3_f32(const float* x, const float* w, const float* b, float* y, int N, int C, int H,
                                  int W, int K, int R, int S, int P, int Q, int stride, int pad, int groups, int relu) {
    conv2d_forward_mma<true, MmaTileM128>(x, w, b, y, ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), relu);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_forward_tc_m64_tf32_f32(const float* x, const float* w, const float* b, float* y, int N, int C, int H, int W,
                               int K, int R, int S, int P, int Q, int stride, int pad, int groups, int relu) {
    conv2d_forward_mma<false, MmaTileM64>(x, w, b, y, ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), relu);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_forward_tc_m64_tf32x3_f32(const float* x, const float* w, const float* b, float* y, int N, int C, int H, int W,
                                 int K, int R, int S, int P, int Q, int stride, int pad, int groups, int relu) {
    conv2d_forward_mma<true, MmaTileM64>(x, w, b, y, ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), relu);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_backward_data_tc_m128_tf32_f32(const float* dy, const float* w, float* dx, int N, int C, int H, int W, int K,
                                      int R, int S, int P, int Q, int stride, int pad, int groups, const float* mask,
                                      int masked) {
    conv2d_backward_data_mma<false, MmaTileM128>(dy, w, dx,
                                                 ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), mask, masked);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_backward_data_tc_m128_tf32x3_f32(const float* dy, const float* w, float* dx, int N, int C, int H, int W, int K,
                                        int R, int S, int P, int Q, int stride, int pad, int groups,
                                        const float* mask, int masked) {
    conv2d_backward_data_mma<true, MmaTileM128>(dy, w, dx,
                                                ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), mask, masked);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_backward_data_tc_m64_tf32_f32(const float* dy, const float* w, float* dx, int N, int C, int H, int W, int K,
                                     int R, int S, int P, int Q, int stride, int pad, int groups, const float* mask,
                                     int masked) {
    conv2d_backward_data_mma<false, MmaTileM64>(dy, w, dx,
                                                ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), mask, masked);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_backward_data_tc_m64_tf32x3_f32(const float* dy, const float* w, float* dx, int N, int C, int H, int W, int K,
                                       int R, int S, int P, int Q, int stride, int pad, int groups, const float* mask,
                                       int masked) {
    conv2d_backward_data_mma<true, MmaTileM64>(dy, w, dx,
                                               ConvShape(N, C, H, W, K, R, S, P, Q, stride, pad, groups), mask, masked);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_backward_filter_tc_m128_tf32_f32(const float* dy, const float* x, float* workspace, int N, int C, int H, int W,
                                        int K, int R, int S, int P, int Q, int stride, int pad, int groups,
                                        int splits, int chunk, float* dw, int* tile_counters, int fixup, float* db,
                                        int bias_gradient) {
    const ConvShape shape(N, C, H, W, K, R, S, P, Q, stride, pad, groups);
    const auto product = [&] { conv2d_backward_filter_mma<false, MmaTileM128>(dy, x, workspace, shape, splits, chunk); };
    filter_launch<float>(product, dy, workspace, shape, splits, dw, tile_counters, fixup, db, bias_gradient,
                         MmaTileM128::BM, MmaTileM128::BN);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_backward_filter_tc_m128_tf32x3_f32(const float* dy, const float* x, float* workspace, int N, int C, int H,
                                          int W, int K, int R, int S, int P, int Q, int stride, int pad, int groups,
                                          int splits, int chunk, float* dw, int* tile_counters, int fixup, float* db,
                                          int bias_gradient) {
    const ConvShape shape(N, C, H, W, K, R, S, P, Q, stride, pad, groups);
    const auto product = [&] { conv2d_backward_filter_mma<true, MmaTileM128>(dy, x, workspace, shape, splits, chunk); };
    filter_launch<float>(product, dy, workspace, shape, splits, dw, tile_counters, fixup, db, bias_gradient,
                         MmaTileM128::BM, MmaTileM128::BN);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_backward_filter_tc_m64_tf32_f32(const float* dy, const float* x, float* workspace, int N, int C, int H, int W,
                                       int K, int R, int S, int P, int Q, int stride, int pad, int groups, int splits,
                                       int chunk, float* dw, int* tile_counters, int fixup, float* db,
                                       int bias_gradient) {
    const ConvShape shape(N, C, H, W, K, R, S, P, Q, stride, pad, groups);
    const auto product = [&] { conv2d_backward_filter_mma<false, MmaTileM64>(dy, x, workspace, shape, splits, chunk); };
    filter_launch<float>(product, dy, workspace, shape, splits, dw, tile_counters, fixup, db, bias_gradient,
                         MmaTileM64::BM, MmaTileM64::BN);
}

extern "C" __global__ void __launch_bounds__(MMA_THREADS, 2)
conv2d_backward_filter_tc_m64_tf32x3_f32(const float* dy, const float* x, float* workspace, int N, int C, int H,
                                         int W, int K, int R, int S, int P, int Q, int stride, int pad, int groups,
                                         int splits, int chunk, float* dw, int* tile_counters, int fixup, float* db,
                                         int bias_gradient) {
    const ConvShape shape(N, C, H, W, K, R, S, P, Q, stride, pad, groups);
    const auto product = [&] { conv2d_backward_filter_mma<true, MmaTileM64>(dy, x, workspace, shape, splits, chunk); };
    filter_launch<float>(product, dy, workspace, shape, splits, dw, tile_counters, fixup, db, bias_gradient,
                         MmaTileM64::BM, MmaTileM64::BN);
}
