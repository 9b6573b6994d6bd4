// augment.cu — Caffe's DataTransformer: crop, mirror and mean subtraction of a uint8 batch;
// reference: minitransfer/ops/augment.py (forward, offsets).
//
//   train: bits_k = mt_random_bits(key, 3·n + k), key = counter_rng.stream_key(seed, iteration)
//          oy = bits_0 mod (H − crop + 1), ox = bits_1 mod (W − crop + 1), flip = bits_2 & 1
//   eval:  oy = (H − crop) / 2, ox = (W − crop) / 2, flip = 0
//   y[n,c,i,j] = image[n, oy+i, ox+jj, c] − mean[oy+i, ox+jj, c],  jj = flip ? crop−1−j : j
//
// Layouts: images (N, H, W, 3) uint8 NHWC; mean (H, W, 3) T; y (N, 3, crop, crop) T NCHW.
// Grid: y indexes the (n, c) planes (strided when N·3 exceeds the grid), x the crop·crop pixels.
//
//   augment_crop_mirror_{f32,f64}   y and mean in float32 / float64 (the data pipeline uses f32)
#include "common.cuh"

template <typename T>
__device__ void augment_crop_mirror(const unsigned char* images, const T* mean, T* y, int N, int H, int W, int crop,
                                    int train, mt_uint32 key) {
    const int pixels = crop * crop;
    for (mt_int64 plane = blockIdx.y; plane < N * 3; plane += gridDim.y) {  // plane + 65535 may pass 2^31 − 1
        const int n = (int)(plane / 3), c = (int)(plane - n * 3);
        int oy = (H - crop) / 2, ox = (W - crop) / 2, flip = 0;
        if (train) {
            const mt_uint32 draw = 3u * (mt_uint32)n;
            oy = (int)(mt_random_bits(key, draw) % (mt_uint32)(H - crop + 1));
            ox = (int)(mt_random_bits(key, draw + 1u) % (mt_uint32)(W - crop + 1));
            flip = (int)(mt_random_bits(key, draw + 2u) & 1u);
        }
        const unsigned char* image = images + (mt_int64)n * H * W * 3;
        T* out = y + (mt_int64)plane * pixels;
        for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < pixels; p += gridDim.x * blockDim.x) {
            const int i = p / crop, j = p - i * crop;
            const int jj = flip ? crop - 1 - j : j;
            const int source = ((oy + i) * W + (ox + jj)) * 3 + c;
            out[p] = T(image[source]) - mean[source];
        }
    }
}

extern "C" __global__ void augment_crop_mirror_f32(const unsigned char* images, const float* mean, float* y, int N,
                                                   int H, int W, int crop, int train, mt_uint32 key) {
    augment_crop_mirror(images, mean, y, N, H, W, crop, train, key);
}

extern "C" __global__ void augment_crop_mirror_f64(const unsigned char* images, const double* mean, double* y, int N,
                                                   int H, int W, int crop, int train, mt_uint32 key) {
    augment_crop_mirror(images, mean, y, N, H, W, crop, train, key);
}
