#include "harness/abi/plugin_model.h"

#include <dlfcn.h>

#include <stdexcept>

#include <fmt/format.h>

namespace smmu::harness {

namespace {

smmucheck_idregs to_c(const IdRegs& r) {
  return {r.idr0, r.idr1, r.idr2, r.idr3, r.idr4, r.idr5, r.iidr, r.aidr};
}
IdRegs from_c(const smmucheck_idregs& r) {
  IdRegs o;
  o.idr0 = r.idr0, o.idr1 = r.idr1, o.idr2 = r.idr2, o.idr3 = r.idr3, o.idr4 = r.idr4, o.idr5 = r.idr5;
  o.iidr = r.iidr, o.aidr = r.aidr;
  return o;
}

int mem_read(void* ctx, uint64_t pa, unsigned size, uint64_t* value) {
  auto v = static_cast<Memory*>(ctx)->read(pa, size);
  if (!v) return 1;
  *value = *v;
  return 0;
}
int mem_write(void* ctx, uint64_t pa, unsigned size, uint64_t value) {
  return static_cast<Memory*>(ctx)->write(pa, size, value) ? 0 : 1;
}

void observe_read(void* ctx, const smmucheck_table_read* r) {
  TableRead t;
  t.role = static_cast<TableRole>(r->role);
  t.pa = r->pa;
  if (!r->aborted) t.value = r->value;
  t.sid = r->sid;
  if (r->has_ssid) t.ssid = r->ssid;
  t.index = r->index;
  t.level = r->level;
  t.leaf = r->leaf;
  t.range_base = r->range_base;
  t.range_size = r->range_size;
  static_cast<WalkObserver*>(ctx)->table_read(t);
}
void observe_decision(void* ctx, const char* section, const char* text) {
  static_cast<WalkObserver*>(ctx)->decision(section ? section : "", text ? text : "");
}

class PluginModel final : public SmmuModel {
 public:
  PluginModel(std::shared_ptr<Plugin> plugin, const Features& requested, Memory& memory)
      : plugin_(std::move(plugin)), api_(plugin_->api()), memory_{&memory, mem_read, mem_write} {
    const smmucheck_idregs want = to_c(requested.to_idr());
    smmucheck_idregs have = want;
    model_ = api_.create(&want, &memory_, &have);
    if (!model_) throw std::runtime_error(fmt::format("plugin {}: create() failed", plugin_->name()));
    features_ = Features::from_idr(from_c(have));
  }
  ~PluginModel() override { api_.destroy(model_); }
  const Features& features() const override { return features_; }
  uint64_t mmio_read(uint32_t offset, unsigned size) override { return api_.mmio_read(model_, offset, size); }
  void mmio_write(uint32_t offset, unsigned size, uint64_t value) override { api_.mmio_write(model_, offset, size, value); }
  Outcome translate(const Transaction& t, WalkObserver* observer) override {
    if (observer && observer != observer_) set_c_observer(observer);
    smmucheck_transaction c{t.sid, t.ssid.value_or(0), uint8_t(t.ssid.has_value()), uint8_t(t.read), uint8_t(t.instr),
                            uint8_t(t.priv), t.addr};
    smmucheck_outcome out{};
    api_.translate(model_, &c, &out);
    if (observer && observer != observer_) set_c_observer(observer_);
    Outcome o;
    o.kind = static_cast<OutcomeKind>(out.kind & 3);
    o.pa = out.pa;
    o.perms = {bool(out.perms & 1), bool(out.perms & 2), bool(out.perms & 4)};
    o.attrs = {out.mair, out.sh, bool(out.instr), bool(out.priv)};
    if (out.has_event) {
      EventRecord r;
      for (int i = 0; i < 4; ++i) r.q[size_t(i)] = out.event[i];
      o.event = r;
    }
    o.recorded = out.recorded;
    return o;
  }
  void quiesce() override {
    if (api_.quiesce) api_.quiesce(model_);
  }
  void set_observer(WalkObserver* observer) override {
    observer_ = observer;
    set_c_observer(observer);
  }

 private:
  void set_c_observer(WalkObserver* o) {
    if (!api_.set_observer) return;
    if (!o) return api_.set_observer(model_, nullptr);
    c_observer_ = {o, observe_read, observe_decision};
    api_.set_observer(model_, &c_observer_);
  }
  std::shared_ptr<Plugin> plugin_;
  const smmucheck_model_api& api_;
  smmucheck_memory memory_;
  smmucheck_observer c_observer_{};
  void* model_ = nullptr;
  Features features_;
  WalkObserver* observer_ = nullptr;
};

}  // namespace

std::shared_ptr<Plugin> Plugin::open(const std::string& path, std::string& error) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    error = fmt::format("cannot load model plugin {}: {}", path, dlerror());
    return nullptr;
  }
  auto entry = reinterpret_cast<smmucheck_model_entry_fn>(dlsym(h, "smmucheck_model_entry"));
  if (!entry) {
    error = fmt::format("{} is not an smmucheck model plugin: it does not export smmucheck_model_entry", path);
    dlclose(h);
    return nullptr;
  }
  const smmucheck_model_api* api = entry();
  if (!api || api->abi_version != SMMUCHECK_MODEL_ABI_VERSION) {
    error = fmt::format("{} speaks model ABI version {}, smmucheck speaks {}: rebuild it against harness/abi/smmucheck_model.h",
                        path, api ? api->abi_version : 0, SMMUCHECK_MODEL_ABI_VERSION);
    dlclose(h);
    return nullptr;
  }
  if (api->struct_size < sizeof(smmucheck_model_api) || !api->create || !api->destroy || !api->mmio_read ||
      !api->mmio_write || !api->translate) {
    error = fmt::format("{}: its smmucheck_model_api lacks a required function", path);
    dlclose(h);
    return nullptr;
  }
  auto p = std::shared_ptr<Plugin>(new Plugin);
  p->handle_ = h;
  p->api_ = api;
  return p;
}

Plugin::~Plugin() {
  if (handle_) dlclose(handle_);
}

ModelFactory Plugin::factory() {
  return [self = shared_from_this()](const Features& f, Memory& m) -> std::unique_ptr<SmmuModel> {
    return std::make_unique<PluginModel>(self, f, m);
  };
}

}  // namespace smmu::harness
