// run_mma.cpp — runs one tensor-core kernel of kernels/ (the problems and the core, unchanged) on the
// CPU through cuda_host.h and the host twin of mma_ptx.cuh. Driven by tests/ops/test_mma_emulation.py:
//   run_mma conv <forward|backward_data|backward_filter> <m128|m64> <split 0|1> <gx gy gz>
//           <N C H W K R S P Q stride pad groups> [<splits chunk>] <folder>
//   run_mma gemm <trans_a 0|1> <trans_b 0|1> <split 0|1> <gx gy gz> <M N K k_chunk has_bias> <folder>
// <folder> holds the float32 inputs a.bin, b.bin (and bias.bin) and out.bin, which the caller fills
// with NaN at the output's size; it is rewritten with the result. Exit 3 on a detected fault
// (a read outside the inputs, a misaligned ldmatrix, a write outside the output).
#include "cuda_host.h"
#include "conv2d_mma.cuh"
#include "gemm_mma.cuh"

#include <fstream>
#include <string>

namespace {

constexpr int GUARD = 1024;  // poisoned floats on each side of the output

std::vector<float> read_floats(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) fail(("cannot read " + path).c_str());
    std::vector<float> values(in.tellg() / sizeof(float));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(values.data()), values.size() * sizeof(float));
    return values;
}

void allow_reads(const std::vector<float>& values) { readable.emplace_back(values.data(), values.data() + values.size()); }

struct Output {
    std::vector<float> values;  // GUARD + output + GUARD
    float* data() { return values.data() + GUARD; }
};

Output read_output(const std::string& path) {
    const std::vector<float> body = read_floats(path);
    Output out;
    out.values.assign(body.size() + 2 * GUARD, __uint_as_float(0xffffffffu));
    std::copy(body.begin(), body.end(), out.values.begin() + GUARD);
    return out;
}

void write_output(const std::string& path, const Output& out) {
    for (int i = 0; i < GUARD; ++i) {
        if (__float_as_uint(out.values[i]) != 0xffffffffu || __float_as_uint(out.values[out.values.size() - 1 - i]) != 0xffffffffu)
            fail("a kernel wrote outside its output");
    }
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(out.values.data() + GUARD), (out.values.size() - 2 * GUARD) * sizeof(float));
}

template <bool SPLIT, typename Tile>
void run_conv(const std::string& direction, Dim3 grid, const ConvShape& shape, int splits, int chunk,
              const float* a, const float* b, const float* bias, float* out) {
    if (direction == "forward") {
        launch(grid, [&] { conv2d_forward_mma<SPLIT, Tile>(a, b, bias, out, shape); });
    } else if (direction == "backward_data") {
        launch(grid, [&] { conv2d_backward_data_mma<SPLIT, Tile>(a, b, out, shape); });
    } else if (direction == "backward_filter") {
        launch(grid, [&] { conv2d_backward_filter_mma<SPLIT, Tile>(a, b, out, shape, splits, chunk); });
    } else {
        fail("unknown direction");
    }
}

template <bool TA, bool TB>
void run_gemm(bool split, Dim3 grid, const int* g, const float* a, const float* b, const float* bias, float* c) {
    if (split) {
        launch(grid, [&] { gemm_mma<TA, TB, true>(a, b, bias, c, g[0], g[1], g[2], g[3], g[4]); });
    } else {
        launch(grid, [&] { gemm_mma<TA, TB, false>(a, b, bias, c, g[0], g[1], g[2], g[3], g[4]); });
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() < 8) fail("too few arguments");
    const std::string folder = args.back() + "/";
    std::vector<float> a = read_floats(folder + "a.bin"), b = read_floats(folder + "b.bin");
    std::vector<float> bias = args[0] == "gemm" || args[1] == "forward" ? read_floats(folder + "bias.bin") : std::vector<float>(1);
    allow_reads(a);
    allow_reads(b);
    Output out = read_output(folder + "out.bin");
    const bool split = args[3] == "1";
    const Dim3 grid{(unsigned)std::stoi(args[4]), (unsigned)std::stoi(args[5]), (unsigned)std::stoi(args[6])};
    std::vector<int> ints;
    for (size_t i = 7; i + 1 < args.size(); ++i) ints.push_back(std::stoi(args[i]));
    if (args[0] == "conv") {
        const ConvShape shape(ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], ints[7], ints[8], ints[9],
                              ints[10], ints[11]);
        const int splits = ints.size() > 12 ? ints[12] : 1, chunk = ints.size() > 13 ? ints[13] : 0;
        if (args[2] == "m128") {
            split ? run_conv<true, MmaTileM128>(args[1], grid, shape, splits, chunk, a.data(), b.data(), bias.data(), out.data())
                  : run_conv<false, MmaTileM128>(args[1], grid, shape, splits, chunk, a.data(), b.data(), bias.data(), out.data());
        } else {
            split ? run_conv<true, MmaTileM64>(args[1], grid, shape, splits, chunk, a.data(), b.data(), bias.data(), out.data())
                  : run_conv<false, MmaTileM64>(args[1], grid, shape, splits, chunk, a.data(), b.data(), bias.data(), out.data());
        }
    } else {
        allow_reads(bias);
        const bool ta = args[1] == "1", tb = args[2] == "1";
        if (!ta && !tb) run_gemm<false, false>(split, grid, ints.data(), a.data(), b.data(), bias.data(), out.data());
        if (!ta && tb) run_gemm<false, true>(split, grid, ints.data(), a.data(), b.data(), bias.data(), out.data());
        if (ta && !tb) run_gemm<true, false>(split, grid, ints.data(), a.data(), b.data(), bias.data(), out.data());
        if (ta && tb) run_gemm<true, true>(split, grid, ints.data(), a.data(), b.data(), bias.data(), out.data());
    }
    write_output(folder + "out.bin", out);
    return 0;
}
