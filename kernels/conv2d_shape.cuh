// conv2d_shape.cuh — the index spaces of a convolution, shared by conv2d.cu's FFMA problems and
// conv2d_mma.cuh's tensor-core problems: the shapes (ConvShape) and the stride phases of
// backward-data (StridePhase). Layouts and formulas: conv2d.cu.
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
