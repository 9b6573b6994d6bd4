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
// Indices are 32-bit: the launcher rejects tensors of 2^31 elements or more.
// Reference: minitransfer/ops/max_pool2d.py (_forward_reference, _backward_reference).
//
// Kernels:
//   max_pool2d_forward_{f32,f64}(x, y, argmax, planes, H, W, P, Q, size, stride, pad)
//       one thread per output element; writes y and argmax.
//   max_pool2d_backward_{f32,f64}(dy, argmax, dx, planes, H, W, P, Q, size, stride, pad)
//       gather, one thread per input element: loops over the outputs whose window covers it
//       (ph, then qw, ascending) and sums dy where argmax points at it. No atomics, no races,
//       bitwise reproducible.
#include "common.cuh"

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

    int hstart = ph * stride - pad;
    int wstart = qw * stride - pad;
    const int hend = hstart + size < H ? hstart + size : H;
    const int wend = wstart + size < W ? wstart + size : W;
    hstart = hstart > 0 ? hstart : 0;
    wstart = wstart > 0 ? wstart : 0;

    const T* x_plane = x + plane * H * W;
    int best_index = hstart * W + wstart;
    T best = x_plane[best_index];
    for (int h = hstart; h < hend; ++h) {
        for (int w = wstart; w < wend; ++w) {
            const T value = x_plane[h * W + w];
            if (value > best) {
                best = value;
                best_index = h * W + w;
            }
        }
    }
    y[index] = best;
    argmax[index] = best_index;
}

template <typename T>
__device__ __forceinline__ void max_pool2d_backward(const T* __restrict__ dy, const int* __restrict__ argmax,
                                                    T* __restrict__ dx, int planes, int H, int W,
                                                    int P, int Q, int size, int stride, int pad) {
    const int index = blockIdx.x * blockDim.x + threadIdx.x;
    if (index >= planes * H * W) {
        return;
    }
    const int w = index % W;
    const int h = (index / W) % H;
    const int plane = index / (H * W);

    // Outputs whose window covers row h: ph·stride − pad <= h < ph·stride − pad + size.
    const int ph_first = h + pad < size ? 0 : (h + pad - size) / stride + 1;
    const int ph_end = (h + pad) / stride + 1 < P ? (h + pad) / stride + 1 : P;
    const int qw_first = w + pad < size ? 0 : (w + pad - size) / stride + 1;
    const int qw_end = (w + pad) / stride + 1 < Q ? (w + pad) / stride + 1 : Q;

    const int target = h * W + w;
    const T* dy_plane = dy + plane * P * Q;
    const int* argmax_plane = argmax + plane * P * Q;
    T gradient = T(0);
    for (int ph = ph_first; ph < ph_end; ++ph) {
        for (int qw = qw_first; qw < qw_end; ++qw) {
            if (argmax_plane[ph * Q + qw] == target) {
                gradient += dy_plane[ph * Q + qw];
            }
        }
    }
    dx[index] = gradient;
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
                                                   int H, int W, int P, int Q, int size, int stride, int pad) {
    max_pool2d_backward<float>(dy, argmax, dx, planes, H, W, P, Q, size, stride, pad);
}
extern "C" __global__ void max_pool2d_backward_f64(const double* dy, const int* argmax, double* dx, int planes,
                                                   int H, int W, int P, int Q, int size, int stride, int pad) {
    max_pool2d_backward<double>(dy, argmax, dx, planes, H, W, P, Q, size, stride, pad);
}
