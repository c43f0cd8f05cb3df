/* A QEMU TCG plugin for tools/kernel-profile: counts how often each guest
 * instruction runs while profiling is on. `slti x0, x0, 1` turns it on and
 * `slti x0, x0, 2` off (both do nothing on the guest); at exit it writes
 * "ADDRESS COUNT" lines to out=PATH. QEMU 7.x plugin API, version 1; the
 * few declarations it needs are written out here, so no QEMU headers are
 * needed to build it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t plugin_id;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef void (*tb_callback)(plugin_id, struct qemu_plugin_tb *);
typedef void (*exit_callback)(plugin_id, void *);
typedef void (*insn_callback)(unsigned int, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(plugin_id, tb_callback);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *, insn_callback, int, void *);
void qemu_plugin_register_atexit_cb(plugin_id, exit_callback, void *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

enum { PLAIN, MARK_ON, MARK_OFF };
struct counter { uint64_t address_plus_1; uint64_t count; int kind; };
#define COUNTERS (1 << 20)
static struct counter counters[COUNTERS];
static const char *out_path = "profile.out";
static int on;
static uint64_t marks;

/* The counter of one (address, kind), made on first use. */
static struct counter *counter(uint64_t address, int kind) {
    uint64_t i = (address * 0x9E3779B97F4A7C15ull) >> 44;
    for (;; i++) {
        struct counter *c = &counters[i & (COUNTERS - 1)];
        if (c->address_plus_1 == address + 1 && c->kind == kind) return c;
        if (c->address_plus_1 == 0) { c->address_plus_1 = address + 1; c->kind = kind; return c; }
    }
}

static void executed(unsigned int vcpu, void *data) {
    struct counter *c = data;
    if (c->kind == MARK_ON) { on = 1; marks++; }
    else if (c->kind == MARK_OFF) on = 0;
    else if (on) c->count++;
}

static void translated(plugin_id id, struct qemu_plugin_tb *tb) {
    for (size_t i = 0; i < qemu_plugin_tb_n_insns(tb); i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        int kind = PLAIN;
        if (qemu_plugin_insn_size(insn) == 4) {
            uint32_t word;
            memcpy(&word, qemu_plugin_insn_data(insn), 4);
            if (word == 0x00102013) kind = MARK_ON;
            if (word == 0x00202013) kind = MARK_OFF;
        }
        qemu_plugin_register_vcpu_insn_exec_cb(insn, executed, 0, counter(qemu_plugin_insn_vaddr(insn), kind));
    }
}

static void finished(plugin_id id, void *data) {
    FILE *f = fopen(out_path, "w");
    if (!f) return;
    for (size_t i = 0; i < COUNTERS; i++)
        if (counters[i].count) fprintf(f, "%llx %llu\n", (unsigned long long)(counters[i].address_plus_1 - 1), (unsigned long long)counters[i].count);
    fclose(f);
    fprintf(stderr, "kernel-profile: %llu marked stretches\n", (unsigned long long)marks);
}

__attribute__((visibility("default"))) int qemu_plugin_install(plugin_id id, const void *info, int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], "out=", 4)) out_path = strdup(argv[i] + 4);
    qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
    qemu_plugin_register_atexit_cb(id, finished, NULL);
    return 0;
}
