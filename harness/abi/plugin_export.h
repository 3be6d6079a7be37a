// Exporting a C++ SmmuModel as a model plugin (harness/abi/smmucheck_model.h): the reference and the
// optimized model are built this way, and so can any C++ model of a third party.
//
//   extern "C" const smmucheck_model_api* smmucheck_model_entry(void) {
//     return smmu::plugin::export_model<MyModel>("mine");
//   }
#pragma once

#include <memory>
#include <string>

#include "harness/abi/smmucheck_model.h"
#include "specs/model.h"

namespace smmu::plugin {

// The harness's memory, seen through the C callbacks.
class CMemory final : public Memory {
 public:
  explicit CMemory(const smmucheck_memory& m) : m_(m) {}
  std::optional<uint64_t> read(uint64_t pa, unsigned size) override {
    uint64_t v = 0;
    if (m_.read(m_.ctx, pa, size, &v)) return std::nullopt;
    return v;
  }
  bool write(uint64_t pa, unsigned size, uint64_t value) override { return m_.write(m_.ctx, pa, size, value) == 0; }

 private:
  smmucheck_memory m_;
};

// The harness's observer, seen through the C callbacks.
class CObserver final : public WalkObserver {
 public:
  smmucheck_observer c{};
  void table_read(const TableRead& r) override {
    if (!c.table_read) return;
    smmucheck_table_read t{};
    t.role = static_cast<uint8_t>(r.role);
    t.aborted = !r.value;
    t.has_ssid = r.ssid.has_value();
    t.leaf = r.leaf;
    t.level = r.level;
    t.sid = r.sid;
    t.ssid = r.ssid.value_or(0);
    t.index = r.index;
    t.pa = r.pa;
    t.value = r.value.value_or(0);
    t.range_base = r.range_base;
    t.range_size = r.range_size;
    c.table_read(c.ctx, &t);
  }
  void decision(std::string_view section, std::string_view text) override {
    if (c.decision) c.decision(c.ctx, std::string(section).c_str(), std::string(text).c_str());
  }
};

template <class Model>
struct Instance {
  Instance(const Features& f, const smmucheck_memory& m) : memory(m), model(f, memory) {}
  CMemory memory;
  Model model;
  CObserver observer;
};

template <class Model>
const smmucheck_model_api* export_model(const char* name) {
  using I = Instance<Model>;
  static const smmucheck_model_api api = {
      SMMUCHECK_MODEL_ABI_VERSION,
      sizeof(smmucheck_model_api),
      name,
      [](const smmucheck_idregs* want, const smmucheck_memory* mem, smmucheck_idregs* have) -> void* {
        IdRegs r;
        r.idr0 = want->idr0, r.idr1 = want->idr1, r.idr2 = want->idr2, r.idr3 = want->idr3;
        r.idr4 = want->idr4, r.idr5 = want->idr5, r.iidr = want->iidr, r.aidr = want->aidr;
        auto* inst = new I(Features::from_idr(r), *mem);
        const IdRegs got = inst->model.features().to_idr();
        *have = {got.idr0, got.idr1, got.idr2, got.idr3, got.idr4, got.idr5, got.iidr, got.aidr};
        return inst;
      },
      [](void* m) { delete static_cast<I*>(m); },
      [](void* m, uint32_t offset, unsigned size) { return static_cast<I*>(m)->model.mmio_read(offset, size); },
      [](void* m, uint32_t offset, unsigned size, uint64_t value) { static_cast<I*>(m)->model.mmio_write(offset, size, value); },
      [](void* m, const smmucheck_transaction* t, smmucheck_outcome* out) {
        Transaction tx{.sid = t->sid, .addr = t->addr, .read = t->read != 0, .instr = t->instr != 0, .priv = t->priv != 0};
        if (t->ssv) tx.ssid = t->ssid;
        const Outcome o = static_cast<I*>(m)->model.translate(tx);
        *out = {};
        out->kind = static_cast<uint8_t>(o.kind);
        out->has_event = o.event.has_value();
        out->recorded = o.recorded;
        out->perms = uint8_t((o.perms.read ? 1 : 0) | (o.perms.write ? 2 : 0) | (o.perms.exec ? 4 : 0));
        out->mair = o.attrs.mair;
        out->sh = o.attrs.sh;
        out->instr = o.attrs.instr;
        out->priv = o.attrs.priv;
        out->pa = o.pa;
        if (o.event)
          for (int i = 0; i < 4; ++i) out->event[i] = o.event->q[size_t(i)];
      },
      [](void* m) { static_cast<I*>(m)->model.quiesce(); },
      [](void* m, const smmucheck_observer* obs) {
        I* inst = static_cast<I*>(m);
        if (!obs) return inst->model.set_observer(nullptr);
        inst->observer.c = *obs;
        inst->model.set_observer(&inst->observer);
      },
  };
  return &api;
}

}  // namespace smmu::plugin
