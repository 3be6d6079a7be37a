// Test-only fault injection: deliberate cache bugs that the unit tests and the differential runner must
// catch. Compiled in only when SMMUCHECK_FAULT_INJECTION is ON; every flag changes behaviour only when set.
#pragma once

namespace smmu::opt {

struct FaultInjection {
  bool keep_stale_tlb_after_invalidation = false;  // a covering TLBI leaves one entry behind
  bool drop_vmid_tag = false;                      // IOTLB lookups ignore the VMID
  bool ignore_cfgi_ste_range = false;              // CMD_CFGI_STE_RANGE invalidates nothing
  bool cache_faults = false;                       // a translation fault is cached and returned again
};

}  // namespace smmu::opt
