// softmax_cross_entropy.cu — mean softmax cross-entropy loss, its gradient, top-k accuracy;
// reference: minitransfer/ops/softmax_cross_entropy.py (forward, backward, accuracy).
//
//   row_max[n]     = max_k x[n,k]
//   row_log_sum[n] = log Σ_k exp(x[n,k] − row_max[n])
//   row_loss[n]    = row_log_sum[n] − (x[n,label[n]] − row_max[n])       (NaN if label ∉ [0, K))
//   loss           = Σ_n row_loss[n] / N
//   dx[n,k]        = dloss · (exp(x[n,k] − row_max[n] − row_log_sum[n]) − [k = label[n]]) / N
//   correct[n]     = #{k ≠ label[n] : x[n,k] ≥ x[n,label[n]]} < topk and no x[n,k] is NaN
//                    (Caffe's Accuracy layer: a tie counts against; false if label ∉ [0, K))
//
// Layouts: x, dx (N, K) row-major T; labels (N,) int32, or int64 when wide_labels is 1;
// row_loss, row_max, row_log_sum (N,) T; loss and dloss one T; count one int32.
// Every reduction runs in a fixed order (warp butterflies, then one block), so results are
// bitwise reproducible; no atomics. Blocks are a multiple of 32 threads, at most 1024.
// Row counters are 64-bit (n plus a grid's stride of rows may pass 2^31 − 1); the class counters
// stay 32-bit: the launcher keeps K + 31 within 2^31 − 1 (MAX_CLASSES in the .py).
//
//   softmax_cross_entropy_forward_{f32,f64}   one warp per row: row_max, row_log_sum, row_loss
//   softmax_cross_entropy_mean_{f32,f64}      one block: loss = mean of row_loss
//   softmax_cross_entropy_backward_{f32,f64}  one thread per element of dx
//   softmax_cross_entropy_accuracy_{f32,f64}  one block, one warp per row: count = Σ_n correct[n]
//   softmax_cross_entropy_step_{f32,f64}      a training step's loss in one launch: forward's rows, their dx
//                                             (backward's arithmetic, dloss by value) and, by the last block
//                                             to finish (common.cuh's last_to_arrive), mean's loss
#include "common.cuh"

__device__ __forceinline__ float exp_of(float x) { return expf(x); }
__device__ __forceinline__ double exp_of(double x) { return exp(x); }
__device__ __forceinline__ float log_of(float x) { return logf(x); }
__device__ __forceinline__ double log_of(double x) { return log(x); }
__device__ __forceinline__ float max_of(float a, float b) { return fmaxf(a, b); }
__device__ __forceinline__ double max_of(double a, double b) { return fmax(a, b); }

template <typename T> __device__ __forceinline__ T quiet_nan();
template <> __device__ __forceinline__ float quiet_nan<float>() { return __int_as_float(0x7fc00000); }
template <> __device__ __forceinline__ double quiet_nan<double>() { return __longlong_as_double(0x7ff8000000000000LL); }

template <typename T> __device__ __forceinline__ T negative_infinity();
template <> __device__ __forceinline__ float negative_infinity<float>() { return -__int_as_float(0x7f800000); }
template <> __device__ __forceinline__ double negative_infinity<double>() {
    return -__longlong_as_double(0x7ff0000000000000LL);
}

__device__ __forceinline__ mt_int64 label_at(const void* labels, int wide_labels, mt_int64 n) {
    return wide_labels ? ((const mt_int64*)labels)[n] : (mt_int64)((const int*)labels)[n];
}

// Butterfly reductions: every lane ends with the same value, summed in the same order every run.
template <typename T>
__device__ __forceinline__ T warp_sum(T value) {
    for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(0xffffffffu, value, offset);
    return value;
}

template <typename T>
__device__ __forceinline__ T warp_max(T value) {
    for (int offset = 16; offset > 0; offset >>= 1) value = max_of(value, __shfl_xor_sync(0xffffffffu, value, offset));
    return value;
}

// Sum over the block of one value per thread; the result is valid in thread 0.
template <typename T>
__device__ T block_sum(T value) {
    __shared__ T warp_totals[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    value = warp_sum(value);
    if (lane == 0) warp_totals[warp] = value;
    __syncthreads();
    if (warp == 0) {
        value = lane < warps ? warp_totals[lane] : T(0);
        value = warp_sum(value);
    }
    return value;
}

// The statistics of one row, by one warp (every lane gets them): its maximum and log Σ exp(x − max).
template <typename T>
__device__ __forceinline__ void row_statistics(const T* row, int K, int lane, T& peak, T& log_sum) {
    peak = negative_infinity<T>();
    for (int k = lane; k < K; k += 32) peak = max_of(peak, row[k]);
    peak = warp_max(peak);
    T sum = T(0);
    for (int k = lane; k < K; k += 32) sum += exp_of(row[k] - peak);
    log_sum = log_of(warp_sum(sum));
}

// dx[n, k] of softmax_cross_entropy_backward, from the row's statistics.
template <typename T>
__device__ __forceinline__ T logit_gradient(T dloss, T x, T row_max, T row_log_sum, mt_int64 label, int k, int N,
                                            int K) {
    const T probability = exp_of(x - row_max - row_log_sum);
    const T target = k == label ? T(1) : T(0);
    return (label >= 0 && label < K) ? dloss * (probability - target) / T(N) : quiet_nan<T>();
}

// Rows n of this warp: row_max, row_log_sum, row_loss; with `gradient`, the row's dx too (dloss given).
template <typename T>
__device__ void softmax_cross_entropy_rows(const T* x, const void* labels, int wide_labels, T* row_loss, T* row_max,
                                           T* row_log_sum, int N, int K, int gradient, T dloss, T* dx) {
    const int lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    for (mt_int64 n = blockIdx.x * warps + (threadIdx.x >> 5); n < N; n += gridDim.x * warps) {
        const T* row = x + n * K;
        T peak, log_sum;
        row_statistics(row, K, lane, peak, log_sum);
        const mt_int64 label = label_at(labels, wide_labels, n);
        if (lane == 0) {
            row_max[n] = peak;
            row_log_sum[n] = log_sum;
            row_loss[n] = (label >= 0 && label < K) ? log_sum - (row[label] - peak) : quiet_nan<T>();
        }
        if (!gradient) continue;
        for (int k = lane; k < K; k += 32)
            dx[n * K + k] = logit_gradient(dloss, row[k], peak, log_sum, label, k, N, K);
    }
}

template <typename T, bool FROM_L2>
__device__ void softmax_cross_entropy_mean(const T* row_loss, T* loss, int N) {
    T partial = T(0);
    for (mt_int64 n = threadIdx.x; n < N; n += blockDim.x) partial += FROM_L2 ? __ldcg(row_loss + n) : row_loss[n];
    const T total = block_sum(partial);
    if (threadIdx.x == 0) loss[0] = total / T(N);
}

template <typename T>
__device__ void softmax_cross_entropy_backward(const T* dloss, const T* x, const void* labels, int wide_labels,
                                               const T* row_max, const T* row_log_sum, T* dx, int N, int K) {
    const mt_int64 size = (mt_int64)N * K, stride = (mt_int64)gridDim.x * blockDim.x;
    for (mt_int64 i = (mt_int64)blockIdx.x * blockDim.x + threadIdx.x; i < size; i += stride) {
        const int n = (int)(i / K), k = (int)(i - (mt_int64)n * K);
        dx[i] = logit_gradient(dloss[0], x[i], row_max[n], row_log_sum[n], label_at(labels, wide_labels, n), k, N, K);
    }
}

// A training step's loss in one launch: the rows with their gradients, then the mean by the last
// block to finish (common.cuh's last_to_arrive; counter: an int, zero, left zero).
template <typename T>
__device__ void softmax_cross_entropy_step(const T* x, const void* labels, int wide_labels, T* row_loss, T* row_max,
                                           T* row_log_sum, T* loss, T dloss, T* dx, int* counter, int N, int K) {
    softmax_cross_entropy_rows(x, labels, wide_labels, row_loss, row_max, row_log_sum, N, K, 1, dloss, dx);
    if (last_to_arrive(counter, gridDim.x)) softmax_cross_entropy_mean<T, true>(row_loss, loss, N);
}

template <typename T>
__device__ void softmax_cross_entropy_accuracy(const T* x, const void* labels, int wide_labels, int* count, int N,
                                               int K, int topk) {
    const int lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    int correct = 0;
    for (mt_int64 n = threadIdx.x >> 5; n < N; n += warps) {
        const mt_int64 label = label_at(labels, wide_labels, n);
        if (label < 0 || label >= K) continue;
        const T* row = x + n * K;
        const T truth = row[label];
        int at_least = 0, nans = 0;  // other classes with x ≥ truth; NaNs in the row (a diverged net)
        for (int k = lane; k < K; k += 32) {
            const T value = row[k];
            at_least += k != label && value >= truth;
            nans += value != value;
        }
        at_least = warp_sum(at_least);
        nans = warp_sum(nans);
        if (lane == 0 && at_least < topk && nans == 0) correct += 1;
    }
    const int total = block_sum(correct);
    if (threadIdx.x == 0) count[0] = total;
}

extern "C" __global__ void softmax_cross_entropy_forward_f32(const float* x, const void* labels, int wide_labels,
                                                             float* row_loss, float* row_max, float* row_log_sum,
                                                             int N, int K) {
    softmax_cross_entropy_rows(x, labels, wide_labels, row_loss, row_max, row_log_sum, N, K, 0, 0.0f, row_loss);
}

extern "C" __global__ void softmax_cross_entropy_forward_f64(const double* x, const void* labels, int wide_labels,
                                                             double* row_loss, double* row_max, double* row_log_sum,
                                                             int N, int K) {
    softmax_cross_entropy_rows(x, labels, wide_labels, row_loss, row_max, row_log_sum, N, K, 0, 0.0, row_loss);
}

extern "C" __global__ void softmax_cross_entropy_mean_f32(const float* row_loss, float* loss, int N) {
    softmax_cross_entropy_mean<float, false>(row_loss, loss, N);
}

extern "C" __global__ void softmax_cross_entropy_mean_f64(const double* row_loss, double* loss, int N) {
    softmax_cross_entropy_mean<double, false>(row_loss, loss, N);
}

extern "C" __global__ void softmax_cross_entropy_backward_f32(const float* dloss, const float* x, const void* labels,
                                                              int wide_labels, const float* row_max,
                                                              const float* row_log_sum, float* dx, int N, int K) {
    softmax_cross_entropy_backward(dloss, x, labels, wide_labels, row_max, row_log_sum, dx, N, K);
}

extern "C" __global__ void softmax_cross_entropy_backward_f64(const double* dloss, const double* x,
                                                              const void* labels, int wide_labels,
                                                              const double* row_max, const double* row_log_sum,
                                                              double* dx, int N, int K) {
    softmax_cross_entropy_backward(dloss, x, labels, wide_labels, row_max, row_log_sum, dx, N, K);
}

extern "C" __global__ void softmax_cross_entropy_accuracy_f32(const float* x, const void* labels, int wide_labels,
                                                              int* count, int N, int K, int topk) {
    softmax_cross_entropy_accuracy(x, labels, wide_labels, count, N, K, topk);
}

extern "C" __global__ void softmax_cross_entropy_accuracy_f64(const double* x, const void* labels, int wide_labels,
                                                              int* count, int N, int K, int topk) {
    softmax_cross_entropy_accuracy(x, labels, wide_labels, count, N, K, topk);
}

extern "C" __global__ void softmax_cross_entropy_step_f32(const float* x, const void* labels, int wide_labels,
                                                          float* row_loss, float* row_max, float* row_log_sum,
                                                          float* loss, float dloss, float* dx, int* counter, int N,
                                                          int K) {
    softmax_cross_entropy_step(x, labels, wide_labels, row_loss, row_max, row_log_sum, loss, dloss, dx, counter, N, K);
}

extern "C" __global__ void softmax_cross_entropy_step_f64(const double* x, const void* labels, int wide_labels,
                                                          double* row_loss, double* row_max, double* row_log_sum,
                                                          double* loss, double dloss, double* dx, int* counter, int N,
                                                          int K) {
    softmax_cross_entropy_step(x, labels, wide_labels, row_loss, row_max, row_log_sum, loss, dloss, dx, counter, N, K);
}
