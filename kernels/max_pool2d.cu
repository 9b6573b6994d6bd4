// max_pool2d.cu — 2-D max pooling with Caffe's conventions (ceil output, clipped last window).
//
//   P = ceil((H + 2·pad − size) / stride) + 1, minus 1 if (P − 1)·stride >= H + pad (same for Q)
//   window of output (ph, qw): rows [max(ph·stride − pad, 0), min(ph·stride − pad + size, H)),
//                              cols [max(qw·stride − pad, 0), min(qw·stride − pad + size, W))
//   y[n,c,ph,qw]      = max of x[n,c] over the window
//   argmax[n,c,ph,qw] = h·W + w of the FIRST maximum in row-major scan order (strict >, as Caffe)
//   dx[n,c,h,w]       = Σ dy[n,c,ph,qw] over the outputs whose argmax is h·W + w
//
// Layouts: x, dx (N,C,H,W); y, dy, argmax (N,C,P,Q); all C-contiguous; argmax is int32.
// Every window holds at least one real pixel (checked in Python), so padding never wins.
// Indices are 32-bit: the launcher rejects tensors of 2^31 elements or more, and windows whose end
// reaches past 2^31 − 1 (H − 1 + size or W − 1 + size: the largest ints formed, max_pool2d.cuh).
// Reference: minitransfer/ops/max_pool2d.py (_forward_reference, _backward_reference).
//
// Kernels:
//   max_pool2d_forward_{f32,f64}(x, y, argmax, planes, H, W, P, Q, size, stride, pad)
//       one thread per output element; writes y and argmax.
//   max_pool2d_backward_{f32,f64}(dy, argmax, dx, planes, H, W, P, Q, size, stride, pad, mask, masked)
//       gather, one thread per input element: loops over the outputs whose window covers it
//       (ph, then qw, ascending) and sums dy where argmax points at it. No atomics, no races,
//       bitwise reproducible. With masked = 1, dx = 0 wherever mask <= 0: the backward of the ReLU
//       before the pooling, fused (mask = the pooling's input, the ReLU's output).
// The window scan and the covering outputs are max_pool2d.cuh's, which max_pool2d_lrn.cu shares.
#include "common.cuh"
#include "max_pool2d.cuh"

template <typename T>
__device__ __forceinline__ void max_pool2d_forward(const T* __restrict__ x, T* __restrict__ y,
                                                   int* __restrict__ argmax, int planes, int H, int W,
                                                   int P, int Q, int size, int stride, int pad) {
    const int index = blockIdx.x * blockDim.x + threadIdx.x;
    if (index >= planes * P * Q) {
        return;
    }
    const int qw = index % Q;
    const int ph = (index / Q) % P;
    const int plane = index / (P * Q);
    int best_index;
    y[index] = pool_window_max(x + plane * H * W, PoolWindow(ph, qw, H, W, size, stride, pad), W, best_index);
    argmax[index] = best_index;
}

template <typename T>
__device__ __forceinline__ void max_pool2d_backward(const T* __restrict__ dy, const int* __restrict__ argmax,
                                                    T* __restrict__ dx, int planes, int H, int W,
                                                    int P, int Q, int size, int stride, int pad,
                                                    const T* __restrict__ mask, int masked) {
    const int index = blockIdx.x * blockDim.x + threadIdx.x;
    if (index >= planes * H * W) {
        return;
    }
    const int w = index % W;
    const int h = (index / W) % H;
    const int plane = index / (H * W);
    const CoveringOutputs covering(h, w, P, Q, size, stride, pad);
    const int target = h * W + w;
    const T* dy_plane = dy + plane * P * Q;
    const int* argmax_plane = argmax + plane * P * Q;
    T gradient = T(0);
    for (int ph = covering.ph_first; ph < covering.ph_end; ++ph) {
        for (int qw = covering.qw_first; qw < covering.qw_end; ++qw) {
            if (argmax_plane[ph * Q + qw] == target) {
                gradient += dy_plane[ph * Q + qw];
            }
        }
    }
    dx[index] = masked ? (mask[index] > T(0) ? gradient : T(0)) : gradient;
}

extern "C" __global__ void max_pool2d_forward_f32(const float* x, float* y, int* argmax, int planes, int H,
                                                  int W, int P, int Q, int size, int stride, int pad) {
    max_pool2d_forward<float>(x, y, argmax, planes, H, W, P, Q, size, stride, pad);
}
extern "C" __global__ void max_pool2d_forward_f64(const double* x, double* y, int* argmax, int planes, int H,
                                                  int W, int P, int Q, int size, int stride, int pad) {
    max_pool2d_forward<double>(x, y, argmax, planes, H, W, P, Q, size, stride, pad);
}
extern "C" __global__ void max_pool2d_backward_f32(const float* dy, const int* argmax, float* dx, int planes,
                                                   int H, int W, int P, int Q, int size, int stride, int pad,
                                                   const float* mask, int masked) {
    max_pool2d_backward<float>(dy, argmax, dx, planes, H, W, P, Q, size, stride, pad, mask, masked);
}
extern "C" __global__ void max_pool2d_backward_f64(const double* dy, const int* argmax, double* dx, int planes,
                                                   int H, int W, int P, int Q, int size, int stride, int pad,
                                                   const double* mask, int masked) {
    max_pool2d_backward<double>(dy, argmax, dx, planes, H, W, P, Q, size, stride, pad, mask, masked);
}
