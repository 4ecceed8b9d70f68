/* ACPI table walker (ACPI 6.5 chapter 5): RSDP, XSDT/RSDT, FADT, MADT, DSDT \_S5. */
#include "libguest.h"

/* Tables larger than this are treated as corrupt rather than scanned. */
#define ACPI_TABLE_MAX (1u << 20)

struct acpi_rsdp {
    char signature[8];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length; /* revision >= 2 from here on */
    uint64_t xsdt;
    uint8_t extended_checksum;
    uint8_t reserved[3];
} __attribute__((packed));

/* FADT byte offsets (ACPI 6.5 table 5.9). */
#define FADT_DSDT 40
#define FADT_PM1A_CNT_BLK 64
#define FADT_PM_TMR_BLK 76
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM_TMR_BLK 208
#define FADT_FLAG_TMR_VAL_EXT (1u << 8)
#define FADT_FLAG_RESET_REG_SUP (1u << 10)

/* MADT entry types (ACPI 6.5 table 5.45). */
#define MADT_LOCAL_APIC 0
#define MADT_IO_APIC 1
#define MADT_ISO 2
#define MADT_LOCAL_APIC_ENABLED 1u
#define MADT_HEADER_SIZE 44

/* MPS INTI flags of an Interrupt Source Override (ACPI 6.5 table 5.50). */
#define MPS_POLARITY_MASK 0x3
#define MPS_POLARITY_LOW 0x3
#define MPS_TRIGGER_MASK 0xc
#define MPS_TRIGGER_LEVEL 0xc

/* AML opcodes (ACPI 6.5 section 20.2). */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_PACKAGE 0x12

#define BDA_EBDA_SEGMENT 0x40e
#define BIOS_AREA_START 0xe0000
#define BIOS_AREA_END 0x100000

static uint8_t byte_sum(const void* p, size_t n) {
    const uint8_t* b = p;
    uint8_t sum = 0;
    while (n--)
        sum += *b++;
    return sum;
}

static bool same_bytes(const void* a, const void* b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return false;
    return true;
}

static uint32_t read32(const void* p) {
    return *(const uint32_t*)p;
}
static uint64_t read64(const void* p) {
    return *(const uint64_t*)p;
}

static const struct acpi_rsdp* rsdp_scan(uint64_t start, uint64_t end) {
    for (uint64_t a = start; a + 20 <= end; a += 16) {
        const struct acpi_rsdp* r = (const struct acpi_rsdp*)a;
        if (same_bytes(r->signature, "RSD PTR ", 8) && byte_sum(r, 20) == 0) return r;
    }
    return NULL;
}

/* Section 5.2.5.1: the first KiB of the EBDA, then the BIOS area 0xe0000-0xfffff. */
static const struct acpi_rsdp* rsdp_find(void) {
    uint64_t ebda = (uint64_t)(*(volatile uint16_t*)BDA_EBDA_SEGMENT) << 4;
    const struct acpi_rsdp* r = NULL;
    if (ebda >= 0x80000 && ebda < 0xa0000) r = rsdp_scan(ebda, ebda + 1024);
    return r ? r : rsdp_scan(BIOS_AREA_START, BIOS_AREA_END);
}

/* Tables must lie in the identity-mapped 4 GiB and carry a valid checksum. */
static const struct acpi_header* table_at(uint64_t addr) {
    if (!addr || addr >= 0x100000000ull - sizeof(struct acpi_header)) return NULL;
    const struct acpi_header* t = (const struct acpi_header*)addr;
    if (t->length < sizeof(*t) || t->length > ACPI_TABLE_MAX) return NULL;
    if (byte_sum(t, t->length) != 0) {
        printf("FAIL: ACPI table %c%c%c%c has a bad checksum\n", t->signature[0], t->signature[1],
               t->signature[2], t->signature[3]);
        return NULL;
    }
    return t;
}

const struct acpi_header* acpi_find_table(const char signature[4]) {
    const struct acpi_rsdp* rsdp = rsdp_find();
    if (!rsdp) return NULL;
    bool use_xsdt = rsdp->revision >= 2 && rsdp->xsdt;
    const struct acpi_header* root = table_at(use_xsdt ? rsdp->xsdt : rsdp->rsdt);
    if (!root) return NULL;
    size_t entry_size = use_xsdt ? 8 : 4;
    const uint8_t* entries = (const uint8_t*)(root + 1);
    size_t count = (root->length - sizeof(*root)) / entry_size;
    for (size_t i = 0; i < count; i++) {
        const uint8_t* e = entries + i * entry_size;
        const struct acpi_header* t = table_at(use_xsdt ? read64(e) : read32(e));
        if (t && same_bytes(t->signature, signature, 4)) return t;
    }
    return NULL;
}

/* Prefers the 64-bit X_ field when the table is long enough to hold it and it is set. */
static uint64_t fadt_address(const struct acpi_header* fadt, size_t legacy_off, size_t x_off) {
    if (fadt->length >= x_off + sizeof(struct acpi_gas)) {
        const struct acpi_gas* gas = (const struct acpi_gas*)((const uint8_t*)fadt + x_off);
        if (gas->address) return gas->address;
    }
    return fadt->length >= legacy_off + 4 ? read32((const uint8_t*)fadt + legacy_off) : 0;
}

bool acpi_read_fadt(struct acpi_fadt_info* out) {
    const struct acpi_header* fadt = acpi_find_table("FACP");
    if (!fadt || fadt->length < FADT_FLAGS + 4) return false;
    const uint8_t* raw = (const uint8_t*)fadt;
    uint32_t flags = read32(raw + FADT_FLAGS);
    *out = (struct acpi_fadt_info){0};
    uint64_t x_dsdt = fadt->length >= FADT_X_DSDT + 8 ? read64(raw + FADT_X_DSDT) : 0;
    out->dsdt = table_at(x_dsdt ? x_dsdt : read32(raw + FADT_DSDT));
    out->pm1a_cnt = (uint32_t)fadt_address(fadt, FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT_BLK);
    out->pm_timer = (uint32_t)fadt_address(fadt, FADT_PM_TMR_BLK, FADT_X_PM_TMR_BLK);
    out->pm_timer_32bit = flags & FADT_FLAG_TMR_VAL_EXT;
    if (fadt->length > FADT_RESET_VALUE) {
        out->reset_supported = flags & FADT_FLAG_RESET_REG_SUP;
        out->reset_reg = *(const struct acpi_gas*)(raw + FADT_RESET_REG);
        out->reset_value = raw[FADT_RESET_VALUE];
    }
    return true;
}

bool acpi_read_madt(struct acpi_madt_info* out) {
    const struct acpi_header* madt = acpi_find_table("APIC");
    if (!madt || madt->length < MADT_HEADER_SIZE) return false;
    const uint8_t* raw = (const uint8_t*)madt;
    *out = (struct acpi_madt_info){.lapic_base = read32(raw + 36)};
    for (unsigned irq = 0; irq < 16; irq++)
        out->isa_irq[irq].gsi = irq;
    for (size_t off = MADT_HEADER_SIZE; off + 2 <= madt->length;) {
        const uint8_t* e = raw + off;
        uint8_t type = e[0], len = e[1];
        if (len < 2 || off + len > madt->length) break;
        if (type == MADT_LOCAL_APIC && len >= 8 && (read32(e + 4) & MADT_LOCAL_APIC_ENABLED) &&
            out->cpu_count < MAX_CPUS)
            out->apic_ids[out->cpu_count++] = e[3];
        else if (type == MADT_IO_APIC && len >= 12 && !out->ioapic_base) {
            out->ioapic_base = read32(e + 4);
            out->ioapic_gsi_base = read32(e + 8);
        } else if (type == MADT_ISO && len >= 10 && e[2] == 0 && e[3] < 16) {
            uint16_t mps = *(const uint16_t*)(e + 8);
            struct isa_irq_route* r = &out->isa_irq[e[3]];
            r->gsi = read32(e + 4);
            r->level = (mps & MPS_TRIGGER_MASK) == MPS_TRIGGER_LEVEL;
            r->active_low = (mps & MPS_POLARITY_MASK) == MPS_POLARITY_LOW;
        }
        off += len;
    }
    return true;
}

/* Decodes a PkgLength (section 20.2.4); returns the number of bytes it occupies. */
static size_t pkg_length_size(const uint8_t* p) {
    return 1 + (p[0] >> 6);
}

/* Looks for NameOp "_S5_" PackageOp and reads the package's first element, an
 * integer given as ZeroOp, OneOp or BytePrefix (section 7.4.2.5 defines its meaning). */
bool acpi_s5_sleep_type(const struct acpi_header* dsdt, uint8_t* slp_typa) {
    if (!dsdt) return false;
    const uint8_t* aml = (const uint8_t*)dsdt;
    size_t len = dsdt->length;
    for (size_t i = sizeof(*dsdt); i + 12 <= len; i++) {
        if (!same_bytes(aml + i, "_S5_", 4)) continue;
        bool named = aml[i - 1] == AML_NAME || (aml[i - 1] == '\\' && aml[i - 2] == AML_NAME);
        if (!named || aml[i + 4] != AML_PACKAGE) continue;
        const uint8_t* p = aml + i + 5;
        p += pkg_length_size(p);
        p++; /* NumElements */
        if (p + 2 > aml + len) return false;
        switch (p[0]) {
            case AML_ZERO:
                *slp_typa = 0;
                return true;
            case AML_ONE:
                *slp_typa = 1;
                return true;
            case AML_BYTE_PREFIX:
                *slp_typa = p[1];
                return true;
            default:
                return false;
        }
    }
    return false;
}
