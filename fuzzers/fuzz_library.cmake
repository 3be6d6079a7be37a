# Included from the root CMakeLists.txt in every build: the scenario codec and the structure-aware
# mutator (for the unit tests and the fuzz targets), the smoke runners of the differential and Z3 targets and
# the corpus tools. The fuzz targets themselves are in fuzzers/CMakeLists.txt (SMMUCHECK_FUZZ, SMMUCHECK_AFL).
set(FUZZ_DIR ${PROJECT_SOURCE_DIR}/fuzzers)

add_library(smmu_fuzz_codec STATIC
  ${FUZZ_DIR}/builder.cpp ${FUZZ_DIR}/command_queue_model.cpp ${FUZZ_DIR}/raw_forms.cpp ${FUZZ_DIR}/generators.cpp ${FUZZ_DIR}/noise.cpp
  ${FUZZ_DIR}/codec.cpp ${FUZZ_DIR}/mutator.cpp ${FUZZ_DIR}/fuzz_models.cpp)
target_include_directories(smmu_fuzz_codec PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(smmu_fuzz_codec PUBLIC smmu_harness smmu_reference smmu_optimized fmt::fmt)

# diff_fuzzer.cpp without a fuzzing engine: fixed-seed inputs through the same LLVMFuzzerTestOneInput.
add_executable(diff_fuzzer_smoke ${FUZZ_DIR}/diff_fuzzer.cpp ${FUZZ_DIR}/diff_fuzzer_smoke.cpp)
target_link_libraries(diff_fuzzer_smoke PRIVATE smmu_fuzz_codec)

# The same for z3_encoding_fuzzer.cpp: its seed inputs and fixed-seed random ones (no Z3 with
# SMMUCHECK_FUZZ_TARGETS_ONLY).
if(TARGET smmu_z3_check)
  add_executable(z3_encoding_fuzzer_smoke ${FUZZ_DIR}/z3_encoding_fuzzer.cpp ${FUZZ_DIR}/z3_encoding_fuzzer_smoke.cpp)
  target_link_libraries(z3_encoding_fuzzer_smoke PRIVATE smmu_z3_check)
endif()

# The same for kexec_fuzzer.cpp: fixed-seed random byte strings, each a random handover plan, or saved inputs.
if(TARGET smmu_plan)
  add_executable(kexec_fuzzer_smoke ${FUZZ_DIR}/kexec_fuzzer.cpp ${FUZZ_DIR}/kexec_fuzzer_smoke.cpp)
  target_include_directories(kexec_fuzzer_smoke PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(kexec_fuzzer_smoke PRIVATE smmu_plan)
endif()

# make_seeds: seed corpora from scenario files; fuzz_decode: a fuzz input back to a scenario.
add_executable(make_seeds ${FUZZ_DIR}/make_seeds.cpp)
target_link_libraries(make_seeds PRIVATE smmu_fuzz_codec)
add_executable(fuzz_decode ${FUZZ_DIR}/decode_input.cpp)
target_link_libraries(fuzz_decode PRIVATE smmu_fuzz_codec)

# AFL++'s custom mutator. afl-fuzz dlopen()s it, so it must come from a plain compiler without
# sanitizers (the release preset, or the afl preset's nested build): it is not part of `all`.
add_library(smmucheck_afl_mutator MODULE EXCLUDE_FROM_ALL ${FUZZ_DIR}/afl_mutator.cpp)
target_link_libraries(smmucheck_afl_mutator PRIVATE smmu_fuzz_codec)
set_target_properties(smmucheck_afl_mutator PROPERTIES PREFIX "")
