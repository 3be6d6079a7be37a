#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of smmucheck's libFuzzer targets (fuzzers/): compiles with $CC, $CXX,
# $CFLAGS and $CXXFLAGS, links $LIB_FUZZING_ENGINE, and puts in $OUT each target with its seed corpus zip
# (made from corpus/ by the codec's encoder), its dictionary and its .options. Run from the source
# directory (the Dockerfile's WORKDIR). Intermediate files go to $WORK.
# Outside Docker (tests/fuzz/clusterfuzzlite_build.sh) the dependencies come from the system; inside the
# OSS-Fuzz image, protobuf and fmt are built first from the sources the Dockerfile fetched into $SRC.
src=$PWD
build=$WORK/smmucheck-build
deps=$WORK/deps
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

if [ -d "${SRC:-/nonexistent}/protobuf" ] && [ ! -f "$deps/.built" ]; then
  cmake -S "$SRC/protobuf" -B "$WORK/protobuf-build" "${generator[@]}" -DCMAKE_INSTALL_PREFIX="$deps" \
    -Dprotobuf_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  cmake --build "$WORK/protobuf-build" --target install
  cmake -S "$SRC/fmt" -B "$WORK/fmt-build" "${generator[@]}" -DCMAKE_INSTALL_PREFIX="$deps" -DFMT_TEST=OFF \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  cmake --build "$WORK/fmt-build" --target install
  touch "$deps/.built"
fi

# The flags come from the environment (CMAKE_BUILD_TYPE empty): OSS-Fuzz chooses sanitizers and optimization.
cmake -S "$src" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE= -DCMAKE_PREFIX_PATH="$deps" \
  -DSMMUCHECK_FUZZ=ON -DSMMUCHECK_FUZZ_TARGETS_ONLY=ON -DSMMUCHECK_FAULT_INJECTION=OFF \
  -DSMMUCHECK_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
targets=(diff_fuzzer scenario_codec_fuzzer textproto_fuzzer)
cmake --build "$build" --target "${targets[@]}" make_seeds

rm -rf "$WORK/seeds"
"$build/make_seeds" --text-out "$WORK/seeds/textproto" "$WORK/seeds/scenario" "$src/corpus"
zip_dir() { (cd "$1" && cmake -E tar cf "$2" --format=zip .); }
for t in "${targets[@]}"; do
  cp "$build/fuzzers/$t" "$OUT/"
  printf '[libfuzzer]\nmax_len = 4096\n' > "$OUT/$t.options"
done
zip_dir "$WORK/seeds/scenario" "$OUT/diff_fuzzer_seed_corpus.zip"
zip_dir "$WORK/seeds/scenario" "$OUT/scenario_codec_fuzzer_seed_corpus.zip"
zip_dir "$WORK/seeds/textproto" "$OUT/textproto_fuzzer_seed_corpus.zip"
cp "$src/fuzzers/dict/scenario.dict" "$OUT/diff_fuzzer.dict"
cp "$src/fuzzers/dict/scenario.dict" "$OUT/scenario_codec_fuzzer.dict"
cp "$src/fuzzers/dict/textproto.dict" "$OUT/textproto_fuzzer.dict"
