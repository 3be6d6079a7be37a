// A fast evaluator for ground bit-vector/Boolean terms (every leaf a numeral), used by simp() before Z3's
// simplify(): with concrete inputs almost every term the encoding builds is ground, and evaluating it here is
// one to two orders of magnitude cheaper than a simplify() call.
#include <unordered_map>

#include "harness/z3/encode_internal.h"

namespace smmu::z3enc::detail {

namespace {

uint64_t mask(unsigned w) { return w >= 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1; }

class Folder {
 public:
  void clear() { memo_.clear(); }
  // The value of `e` (Booleans as 0/1), or false when `e` is not a ground term of supported operators.
  bool eval(const z3::expr& e, uint64_t& out) {
    auto it = memo_.find(e.id());
    if (it != memo_.end()) return out = it->second, true;
    if (!eval_uncached(e, out)) return false;
    memo_.emplace(e.id(), out);
    return true;
  }

 private:
  bool eval_uncached(const z3::expr& e, uint64_t& out) {
    if (e.is_numeral()) return e.is_numeral_u64(out);
    if (!e.is_app()) return false;
    const Z3_decl_kind k = e.decl().decl_kind();
    if (k == Z3_OP_TRUE) return out = 1, true;
    if (k == Z3_OP_FALSE) return out = 0, true;
    const unsigned n = e.num_args();
    if (n == 0 || n > 8) return false;
    uint64_t a[8];
    // ite and the Boolean connectives are evaluated lazily so that a ground condition prunes its branches.
    if (k == Z3_OP_ITE) {
      uint64_t c;
      if (!eval(e.arg(0), c)) return false;
      return eval(e.arg(c ? 1 : 2), out);
    }
    for (unsigned i = 0; i < n; ++i)
      if (!eval(e.arg(i), a[i])) return false;
    const unsigned w = e.is_bv() ? e.get_sort().bv_size() : 1;
    if (w > 64) return false;
    auto arg_width = [&](unsigned i) { return e.arg(i).get_sort().bv_size(); };
    switch (k) {
      case Z3_OP_AND: out = 1; for (unsigned i = 0; i < n; ++i) out &= a[i]; return true;
      case Z3_OP_OR: out = 0; for (unsigned i = 0; i < n; ++i) out |= a[i]; return true;
      case Z3_OP_NOT: out = !a[0]; return true;
      case Z3_OP_EQ: out = a[0] == a[1]; return true;
      case Z3_OP_DISTINCT: out = n == 2 && a[0] != a[1]; return n == 2;
      case Z3_OP_ULEQ: out = a[0] <= a[1]; return true;
      case Z3_OP_ULT: out = a[0] < a[1]; return true;
      case Z3_OP_UGEQ: out = a[0] >= a[1]; return true;
      case Z3_OP_UGT: out = a[0] > a[1]; return true;
      case Z3_OP_BAND: out = mask(w); for (unsigned i = 0; i < n; ++i) out &= a[i]; return true;
      case Z3_OP_BOR: out = 0; for (unsigned i = 0; i < n; ++i) out |= a[i]; return true;
      case Z3_OP_BXOR: out = 0; for (unsigned i = 0; i < n; ++i) out ^= a[i]; return true;
      case Z3_OP_BNOT: out = ~a[0] & mask(w); return true;
      case Z3_OP_BADD: out = 0; for (unsigned i = 0; i < n; ++i) out += a[i]; out &= mask(w); return true;
      case Z3_OP_BSUB: out = (a[0] - a[1]) & mask(w); return true;
      case Z3_OP_BSHL: out = a[1] >= w ? 0 : (a[0] << a[1]) & mask(w); return true;
      case Z3_OP_BLSHR: out = a[1] >= w ? 0 : a[0] >> a[1]; return true;
      case Z3_OP_EXTRACT: {
        unsigned lo = Z3_get_decl_int_parameter(e.ctx(), e.decl(), 1);
        out = (a[0] >> lo) & mask(w);
        return true;
      }
      case Z3_OP_CONCAT: {
        out = 0;
        for (unsigned i = 0; i < n; ++i) out = (arg_width(i) >= 64 ? 0 : out << arg_width(i)) | a[i];
        out &= mask(w);
        return true;
      }
      case Z3_OP_ZERO_EXT: out = a[0]; return true;
      default: return false;
    }
  }
  std::unordered_map<unsigned, uint64_t> memo_;
};

}  // namespace

std::optional<z3::expr> fold_ground(const z3::expr& e) {
  thread_local Folder f;  // reused: its memo's buckets survive between calls
  f.clear();
  uint64_t v = 0;
  if (!f.eval(e, v)) return std::nullopt;
  if (e.is_bool()) return e.ctx().bool_val(v != 0);
  return e.ctx().bv_val(v, e.get_sort().bv_size());
}

}  // namespace smmu::z3enc::detail
