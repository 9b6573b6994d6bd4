// max_pool2d.cuh — one output of Caffe's max pooling and the outputs that cover one input pixel,
// shared by max_pool2d.cu and max_pool2d_lrn.cu (the same scan: the same maximum, the same argmax,
// the same gradient order). Formulas and layouts: max_pool2d.cu.
#pragma once

// The window of output (ph, qw), clipped to the image: rows [h_start, h_end), columns [w_start, w_end).
struct PoolWindow {
    int h_start, h_end, w_start, w_end;

    __device__ __forceinline__ PoolWindow(int ph, int qw, int H, int W, int size, int stride, int pad) {
        h_start = ph * stride - pad;
        w_start = qw * stride - pad;
        h_end = h_start + size < H ? h_start + size : H;
        w_end = w_start + size < W ? w_start + size : W;
        h_start = h_start > 0 ? h_start : 0;
        w_start = w_start > 0 ? w_start : 0;
    }
};

// The maximum of x_plane (H × W) over the window, and in best_index the h·W + w of its FIRST
// occurrence in row-major scan order (strict >, as Caffe).
template <typename T>
__device__ __forceinline__ T pool_window_max(const T* __restrict__ x_plane, const PoolWindow& window, int W,
                                             int& best_index) {
    best_index = window.h_start * W + window.w_start;
    T best = x_plane[best_index];
    for (int h = window.h_start; h < window.h_end; ++h) {
        for (int w = window.w_start; w < window.w_end; ++w) {
            const T value = x_plane[h * W + w];
            if (value > best) {
                best = value;
                best_index = h * W + w;
            }
        }
    }
    return best;
}

// The outputs whose window covers input pixel (h, w): rows [ph_first, ph_end), columns [qw_first, qw_end)
// (ph·stride − pad <= h < ph·stride − pad + size, likewise for columns).
struct CoveringOutputs {
    int ph_first, ph_end, qw_first, qw_end;

    __device__ __forceinline__ CoveringOutputs(int h, int w, int P, int Q, int size, int stride, int pad) {
        ph_first = h + pad < size ? 0 : (h + pad - size) / stride + 1;
        ph_end = (h + pad) / stride + 1 < P ? (h + pad) / stride + 1 : P;
        qw_first = w + pad < size ? 0 : (w + pad - size) / stride + 1;
        qw_end = (w + pad) / stride + 1 < Q ? (w + pad) / stride + 1 : Q;
    }
};
