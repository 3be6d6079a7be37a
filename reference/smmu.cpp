#include "reference/smmu.h"

#include "reference/context.h"
#include "reference/translate.h"

namespace smmu::ref {

Features ReferenceSmmu::implemented() {
  Features f;
  f.s1p = f.s2p = true;
  f.ttf_aarch32 = false;
  f.ttf_aarch64 = true;
  f.httu = 0;
  f.hyp = true;
  f.ats = f.pri = f.atos = f.vatos = f.sev = f.btm = false;
  f.asid16 = f.vmid16 = f.msi = f.cd2l = true;
  f.ttendian = 0b10;
  f.stall_model = 0b01;
  f.st_level = 1;
  f.sidsize = 32;
  f.ssidsize = 20;
  f.eventqs = f.cmdqs = 19;
  f.priqs = 0;
  f.attr_perms_ovr = f.attr_types_ovr = true;
  f.had = f.xnx = f.stt = f.ril = f.e0pd = true;
  f.fwb = false;
  f.bbml = 0;
  f.oas = 6;
  f.gran4k = f.gran16k = f.gran64k = true;
  f.ds = false;
  f.vax = 0;
  f.version = ArchVersion::V3_3;
  return f;
}

ReferenceSmmu::ReferenceSmmu(const Features& requested, Memory& memory)
    : features_(requested.clamp_to(implemented())), idregs_(features_.to_idr()), memory_(memory) {}

Outcome ReferenceSmmu::translate(const Transaction& t, WalkObserver* observer) {
  Ctx ctx{.f = features_, .mem = memory_, .obs = observer ? observer : observer_, .regs = regs_, .txn = t};
  Outcome o = translate_transaction(ctx);
  // §7.2: a fault the configuration records goes to the event queue.
  if (o.event && o.recorded) {
    WalkObserver* saved = observer_;
    observer_ = ctx.obs;
    record_event(*o.event);
    observer_ = saved;
  }
  return o;
}

}  // namespace smmu::ref
