// conv2d_mma.cuh — the three convolution directions as problems of the tensor-core core
// (mma_tf32.cuh, precisions tf32 and tf32x3): the GEMMs of conv2d.cu's FFMA problems, with the
// operands copied into shared memory by cp.async, element by element, instead of through registers,
// and the same epilogues (forward: optional ReLU; backward-data: optional ReLU mask of the input).
//
//   forward          A = w as (Kg rows, (c, r, s) depth)          B = im2col(x), columns (n, p, q)
//   backward-data    one stride phase per blockIdx.z (StridePhase):
//                    A = w at (c rows, (k, tr, ts) depth)          B = dy at (p, q), columns (n, ih, iw)
//   backward-filter  one chunk of the positions l = (n, p, q) per split:
//                    A = dy as (Kg rows, l depth)                  B = im2col(x), columns (c, r, s)
//
// Each thread copies RUN consecutive depth steps of one row of A and of one column of B per stage
// (RunSlot), decoding the depth index once per stage and stepping it digit by digit. Rows and
// columns past the GEMM's edge are clamped to the last one (their products are never stored);
// depth past the end and pixels outside the image are zero-filled by the copies.
#pragma once
#include "conv2d_shape.cuh"
#include "mma_tf32.cuh"

template <typename Tile>
struct MmaForwardProblem {
    const float* __restrict__ x;
    const float* __restrict__ w;
    const float* __restrict__ b;
    ConvShape shape;
    int relu;                               // ReLU on the output, fused (relu.cu's relu_forward)
    int g, rows, columns, depth;
    int a_row, a_k, a_offset;               // A slot; offset of w[g·Kg + m, 0] for its (clamped) row m
    int b_col, b_k, b_h0, b_w0, b_offset;   // B slot; its column's window origin; offset of x[n, g·Cg]

    __device__ __forceinline__ MmaForwardProblem(const float* x_, const float* w_, const float* b_, const ConvShape& s,
                                                 int relu_, int m0, int n0)
        : x(x_), w(w_), b(b_), shape(s), relu(relu_) {
        g = blockIdx.z;
        rows = s.Kg;
        columns = s.N * s.PQ;
        depth = s.Cg * s.RS;
        const RunSlot<Tile::BM, Tile::BK, Tile::A_RUN, true> a_slot(threadIdx.x);
        const RunSlot<Tile::BN, Tile::BK, Tile::B_RUN, false> b_slot(threadIdx.x);
        a_row = a_slot.row;
        a_k = a_slot.k;
        a_offset = (g * s.Kg + (m0 + a_row < rows ? m0 + a_row : rows - 1)) * depth;
        b_col = b_slot.row;
        b_k = b_slot.k;
        const int col = n0 + b_col < columns ? n0 + b_col : columns - 1;
        const ForwardWindow window(s, g, col);
        b_h0 = window.h0;
        b_w0 = window.w0;
        b_offset = window.offset;
    }

    __device__ __forceinline__ void load(int k0, float (*As)[Tile::LDS], float (*Bs)[Tile::LDS]) const {
#pragma unroll
        for (int i = 0; i < Tile::A_RUN; ++i) {
            const int j = k0 + a_k + i;
            cp_async4(&As[a_row][a_k + i], j < depth ? w + a_offset + j : w, j < depth);
        }
        int j = k0 + b_k;
        int c = j / shape.RS;
        int r = (j - c * shape.RS) / shape.S;
        int s = j - c * shape.RS - r * shape.S;
#pragma unroll
        for (int i = 0; i < Tile::B_RUN; ++i) {
            const int h = b_h0 + r, ww = b_w0 + s;
            const bool ok = j < depth && inside(h, shape.H) && inside(ww, shape.W);
            cp_async4(&Bs[b_col][b_k + i], ok ? x + b_offset + c * shape.HW + h * shape.W + ww : x, ok);
            ++j;
            next_window_tap(shape, c, r, s);
        }
    }

    __device__ __forceinline__ int row_offset(int m) const { return (g * shape.Kg + m) * shape.PQ; }
    __device__ __forceinline__ int column_offset(int col) const { return forward_column_offset(shape, col); }
    __device__ __forceinline__ float bias(int m, int) const { return b[g * shape.Kg + m]; }
    __device__ __forceinline__ auto epilogue() const {
        return [relu = relu](float v, int) { return relu ? (v > 0.0f ? v : 0.0f) : v; };
    }
};

template <typename Tile>
struct MmaBackwardDataProblem {
    const float* __restrict__ dy;
    const float* __restrict__ w;
    const float* __restrict__ mask;           // with `masked`: dx is kept where mask (the layer's input) > 0
    ConvShape shape;
    int masked;
    int g;
    StridePhase phase;
    int rows, columns, depth, taps, taps_w1;  // taps = taps_h · taps_w, taps_w1 = taps_w: both at least 1
    int a_row, a_k, a_offset;                 // A slot; offset of w[g·Kg, c, ρh, ρw] for its (clamped) channel c
    int b_col, b_k, b_p0, b_q0, b_offset;     // B slot; its pixel's output position at tap 0; offset of dy[n, g·Kg]

    __device__ __forceinline__ MmaBackwardDataProblem(const float* dy_, const float* w_, const float* mask_,
                                                      const ConvShape& s, int masked_, int m0, int n0)
        : dy(dy_), w(w_), mask(mask_), shape(s), masked(masked_), g(blockIdx.z / (s.stride * s.stride)),
          phase(s, blockIdx.z % (s.stride * s.stride)) {
        taps = phase.taps_h * phase.taps_w > 0 ? phase.taps_h * phase.taps_w : 1;
        taps_w1 = phase.taps_w > 0 ? phase.taps_w : 1;
        rows = s.Cg;
        columns = s.N * phase.phase_h * phase.phase_w;
        depth = s.Kg * phase.taps_h * phase.taps_w;
        const RunSlot<Tile::BM, Tile::BK, Tile::A_RUN, true> a_slot(threadIdx.x);
        const RunSlot<Tile::BN, Tile::BK, Tile::B_RUN, false> b_slot(threadIdx.x);
        a_row = a_slot.row;
        a_k = a_slot.k;
        const int c = m0 + a_row < rows ? m0 + a_row : rows - 1;
        a_offset = g * s.Kg * s.Cg * s.RS + c * s.RS + phase.rho_h * s.S + phase.rho_w;
        b_col = b_slot.row;
        b_k = b_slot.k;
        const int col = n0 + b_col < columns ? n0 + b_col : columns - 1;
        const PhasePixel pixel(s, phase, g, col);
        b_p0 = pixel.p0;
        b_q0 = pixel.q0;
        b_offset = pixel.offset;
    }

    __device__ __forceinline__ void load(int k0, float (*As)[Tile::LDS], float (*Bs)[Tile::LDS]) const {
        const int st = shape.stride;
        int j = k0 + a_k;
        int k = j / taps;
        int tr = (j - k * taps) / taps_w1;
        int ts = j - k * taps - tr * taps_w1;
#pragma unroll
        for (int i = 0; i < Tile::A_RUN; ++i) {
            const bool ok = j < depth;
            cp_async4(&As[a_row][a_k + i], ok ? w + a_offset + k * shape.Cg * shape.RS + st * (tr * shape.S + ts) : w, ok);
            ++j;
            next_phase_tap(phase, k, tr, ts);
        }
        j = k0 + b_k;
        k = j / taps;
        tr = (j - k * taps) / taps_w1;
        ts = j - k * taps - tr * taps_w1;
#pragma unroll
        for (int i = 0; i < Tile::B_RUN; ++i) {
            const int p = b_p0 - tr, q = b_q0 - ts;
            const bool ok = j < depth && inside(p, shape.P) && inside(q, shape.Q);
            cp_async4(&Bs[b_col][b_k + i], ok ? dy + b_offset + k * shape.PQ + p * shape.Q + q : dy, ok);
            ++j;
            next_phase_tap(phase, k, tr, ts);
        }
    }

    __device__ __forceinline__ int row_offset(int c) const { return (g * shape.Cg + c) * shape.HW; }
    __device__ __forceinline__ int column_offset(int col) const { return phase_column_offset(shape, phase, col); }
    __device__ __forceinline__ float bias(int, int) const { return 0.0f; }
    __device__ __forceinline__ auto epilogue() const {
        return [mask = mask, masked = masked](float v, int i) { return masked ? (mask[i] > 0.0f ? v : 0.0f) : v; };
    }
};

template <typename Tile>
struct MmaBackwardFilterProblem : FilterChunk {
    const float* __restrict__ dy;
    const float* __restrict__ x;
    ConvShape shape;
    int a_row, a_k, a_offset;                // A slot; offset of dy[0, g·Kg + m, 0] for its (clamped) row m
    int b_col, b_k, b_r, b_s, b_offset;      // B slot; its column's kernel tap (r, s); offset of x[0, g·Cg + c]

    __device__ __forceinline__ MmaBackwardFilterProblem(const float* dy_, const float* x_, const ConvShape& s,
                                                        int splits, int chunk, int m0, int n0)
        : FilterChunk(s, splits, chunk), dy(dy_), x(x_), shape(s) {
        const RunSlot<Tile::BM, Tile::BK, Tile::A_RUN, true> a_slot(threadIdx.x);
        const RunSlot<Tile::BN, Tile::BK, Tile::B_RUN, false> b_slot(threadIdx.x);
        a_row = a_slot.row;
        a_k = a_slot.k;
        a_offset = (g * s.Kg + (m0 + a_row < rows ? m0 + a_row : rows - 1)) * s.PQ;
        b_col = b_slot.row;
        b_k = b_slot.k;
        const int col = n0 + b_col < columns ? n0 + b_col : columns - 1;
        const int c = col / s.RS;
        b_r = (col - c * s.RS) / s.S;
        b_s = col - c * s.RS - b_r * s.S;
        b_offset = (g * s.Cg + c) * s.HW;
    }

    __device__ __forceinline__ void load(int k0, float (*As)[Tile::LDS], float (*Bs)[Tile::LDS]) const {
        int l = l_begin + k0 + a_k;
        int n = l / shape.PQ;
        int pq = l - n * shape.PQ;
#pragma unroll
        for (int i = 0; i < Tile::A_RUN; ++i) {
            const bool ok = k0 + a_k + i < depth;
            cp_async4(&As[a_row][a_k + i], ok ? dy + n * shape.K * shape.PQ + a_offset + pq : dy, ok);
            if (++pq == shape.PQ) {
                pq = 0;
                ++n;
            }
        }
        l = l_begin + k0 + b_k;
        n = l / shape.PQ;
        pq = l - n * shape.PQ;
        int p = pq / shape.Q;
        int q = pq - p * shape.Q;
#pragma unroll
        for (int i = 0; i < Tile::B_RUN; ++i) {
            const int h = p * shape.stride - shape.pad + b_r, ww = q * shape.stride - shape.pad + b_s;
            const bool ok = k0 + b_k + i < depth && inside(h, shape.H) && inside(ww, shape.W);
            cp_async4(&Bs[b_col][b_k + i], ok ? x + n * shape.C * shape.HW + b_offset + h * shape.W + ww : x, ok);
            if (++q == shape.Q) {
                q = 0;
                if (++p == shape.P) {
                    p = 0;
                    ++n;
                }
            }
        }
    }

    __device__ __forceinline__ int row_offset(int k) const { return (split * shape.K + g * shape.Kg + k) * columns; }
    __device__ __forceinline__ int column_offset(int col) const { return col; }
    __device__ __forceinline__ float bias(int, int) const { return 0.0f; }
    __device__ __forceinline__ auto epilogue() const {
        return [](float v, int) { return v; };
    }
};

template <bool SPLIT, typename Tile>
__device__ __forceinline__ void conv2d_forward_mma(const float* x, const float* w, const float* b, float* y,
                                                   const ConvShape& shape, int relu) {
    const int m0 = blockIdx.y * Tile::BM, n0 = blockIdx.x * Tile::BN;
    MmaForwardProblem<Tile> problem(x, w, b, shape, relu, m0, n0);
    mma_gemm<SPLIT, Tile>(problem, m0, n0, y);
}

template <bool SPLIT, typename Tile>
__device__ __forceinline__ void conv2d_backward_data_mma(const float* dy, const float* w, float* dx,
                                                         const ConvShape& shape, const float* mask, int masked) {
    const int m0 = blockIdx.y * Tile::BM, n0 = blockIdx.x * Tile::BN;
    MmaBackwardDataProblem<Tile> problem(dy, w, mask, shape, masked, m0, n0);
    if (n0 >= problem.columns) return;  // this phase has fewer pixels than the grid covers
    mma_gemm<SPLIT, Tile>(problem, m0, n0, dx);
}

template <bool SPLIT, typename Tile>
__device__ __forceinline__ void conv2d_backward_filter_mma(const float* dy, const float* x, float* workspace,
                                                           const ConvShape& shape, int splits, int chunk) {
    const int m0 = blockIdx.y * Tile::BM, n0 = blockIdx.x * Tile::BN;
    MmaBackwardFilterProblem<Tile> problem(dy, x, shape, splits, chunk, m0, n0);
    mma_gemm<SPLIT, Tile>(problem, m0, n0, workspace);
}
