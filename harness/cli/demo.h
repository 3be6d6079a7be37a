#pragma once

namespace smmu::harness {
// `smmucheck demo`: translates a few DMA transactions through a bundled configuration (a stage-1 stream,
// a stage-2 stream, a nested stream and faulting ones) and prints each walk step and each result.
int run_demo(bool quiet);
}  // namespace smmu::harness
