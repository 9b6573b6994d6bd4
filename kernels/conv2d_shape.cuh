// conv2d_shape.cuh — the index spaces of a convolution, shared by conv2d.cu's FFMA problems and
// conv2d_mma.cuh's tensor-core problems: the shapes (ConvShape), the positions and GEMM of the
// chunk of backward-filter a block computes (FilterChunk), the stride phases of
// backward-data (StridePhase), and where a GEMM column of forward and of backward-data reads its
// input (ForwardWindow, PhasePixel), steps along its reduction (next_window_tap, next_phase_tap)
// and writes its output (forward_column_offset, phase_column_offset). Layouts and formulas: conv2d.cu.
#pragma once

// Shapes of one convolution, as passed by the launcher, plus the derived sizes.
struct ConvShape {
    int N, C, H, W, K, R, S, P, Q, stride, pad, groups;
    int Cg, Kg, HW, PQ, RS;

    __device__ __forceinline__ ConvShape(int N_, int C_, int H_, int W_, int K_, int R_, int S_, int P_, int Q_,
                                         int stride_, int pad_, int groups_)
        : N(N_), C(C_), H(H_), W(W_), K(K_), R(R_), S(S_), P(P_), Q(Q_), stride(stride_), pad(pad_),
          groups(groups_), Cg(C_ / groups_), Kg(K_ / groups_), HW(H_ * W_), PQ(P_ * Q_), RS(R_ * S_) {}
};

__device__ __forceinline__ bool inside(int i, int n) { return (unsigned)i < (unsigned)n; }

// The part of backward-filter that block blockIdx.z computes, in conv2d.cu's FFMA problem and
// conv2d_mma.cuh's tensor-core one: group g = blockIdx.z / splits, chunk `split` of the positions
// l = (n, p, q), [l_begin, l_begin + depth) (the last chunk may be shorter, a chunk past them empty),
// of a GEMM of Kg rows (filters) and Cg·R·S columns (c, r, s).
struct FilterChunk {
    int g, split, l_begin, rows, columns, depth;

    __device__ __forceinline__ FilterChunk(const ConvShape& s, int splits, int chunk) {
        g = blockIdx.z / splits;
        split = blockIdx.z % splits;
        const int positions = s.N * s.PQ;
        l_begin = split * chunk;
        // l_begin + chunk may pass 2^31 − 1 (the split's chunk ends past the last position)
        const int l_end = chunk < positions - l_begin ? l_begin + chunk : positions;
        depth = l_end > l_begin ? l_end - l_begin : 0;
        rows = s.Kg;
        columns = s.Cg * s.RS;
    }
};

// One stride phase (ρh, ρw) of backward-data: the pixels h = h_base + st·ih (ih < phase_h) with
// (h + pad) % st == ρh meet only kernel rows r = ρh + st·tr (tr < taps_h), at output rows
// p = p_base + ih − tr. Likewise for columns (w_base, q_base, phase_w, taps_w).
struct StridePhase {
    int rho_h, rho_w, h_base, w_base, p_base, q_base, phase_h, phase_w, taps_h, taps_w;

    __device__ __forceinline__ StridePhase(const ConvShape& s, int phase) {
        const int st = s.stride;
        rho_h = phase / st;
        rho_w = phase % st;
        h_base = ((rho_h - s.pad) % st + st) % st;
        w_base = ((rho_w - s.pad) % st + st) % st;
        p_base = (h_base + s.pad - rho_h) / st;
        q_base = (w_base + s.pad - rho_w) / st;
        phase_h = h_base < s.H ? (s.H - h_base + st - 1) / st : 0;
        phase_w = w_base < s.W ? (s.W - w_base + st - 1) / st : 0;
        taps_h = rho_h < s.R ? (s.R - rho_h + st - 1) / st : 0;
        taps_w = rho_w < s.S ? (s.S - rho_w + st - 1) / st : 0;
    }
};

// Forward column col = (n, p, q): the origin (h0, w0) of its receptive field and the offset of x[n, g·Cg].
struct ForwardWindow {
    int h0, w0, offset;

    __device__ __forceinline__ ForwardWindow(const ConvShape& s, int g, int col) {
        const int n = col / s.PQ;
        const int pq = col - n * s.PQ;
        const int p = pq / s.Q;
        h0 = p * s.stride - s.pad;
        w0 = (pq - p * s.Q) * s.stride - s.pad;
        offset = (n * s.C + g * s.Cg) * s.HW;
    }
};

// Forward column col = (n, p, q) in y: the offset of y[n, 0, p, q].
__device__ __forceinline__ int forward_column_offset(const ConvShape& s, int col) {
    const int n = col / s.PQ;
    return n * s.K * s.PQ + (col - n * s.PQ);
}

// Backward-data column col = (n, ih, iw) of a stride phase: the output position (p0, q0) it meets
// at tap (0, 0) and the offset of dy[n, g·Kg]. Safe for an empty phase (its columns are never used).
struct PhasePixel {
    int p0, q0, offset;

    __device__ __forceinline__ PhasePixel(const ConvShape& s, const StridePhase& phase, int g, int col) {
        const int pixels = phase.phase_h * phase.phase_w > 0 ? phase.phase_h * phase.phase_w : 1;
        const int n = col / pixels;
        const int ihw = col - n * pixels;
        const int ih = ihw / (phase.phase_w > 0 ? phase.phase_w : 1);
        p0 = phase.p_base + ih;
        q0 = phase.q_base + (ihw - ih * phase.phase_w);
        offset = (n * s.K + g * s.Kg) * s.PQ;
    }
};

// Backward-data column col = (n, ih, iw) of a non-empty stride phase in dx: the offset of dx[n, 0, h, w].
__device__ __forceinline__ int phase_column_offset(const ConvShape& s, const StridePhase& phase, int col) {
    const int pixels = phase.phase_h * phase.phase_w;
    const int n = col / pixels;
    const int ihw = col - n * pixels;
    const int ih = ihw / phase.phase_w;
    const int h = phase.h_base + s.stride * ih;
    const int ww = phase.w_base + s.stride * (ihw - ih * phase.phase_w);
    return n * s.C * s.HW + h * s.W + ww;
}


// Forward's reduction index after (c, r, s): kernel column, then row, then channel.
__device__ __forceinline__ void next_window_tap(const ConvShape& shape, int& c, int& r, int& s) {
    if (++s == shape.S) {
        s = 0;
        if (++r == shape.R) {
            r = 0;
            ++c;
        }
    }
}

// Backward-data's reduction index after (k, tr, ts): phase tap column, then tap row, then filter.
__device__ __forceinline__ void next_phase_tap(const StridePhase& phase, int& k, int& tr, int& ts) {
    if (++ts == phase.taps_w) {
        ts = 0;
        if (++tr == phase.taps_h) {
            tr = 0;
            ++k;
        }
    }
}
