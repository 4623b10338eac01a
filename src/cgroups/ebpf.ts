/**
 * The device cgroup on cgroup v2: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, attached to
 * the container's cgroup2 directory (BPF_CGROUP_DEVICE). The kernel runs it on every open/mknod of
 * a device node with { access_type = access << 16 | type, major, minor } and allows the access
 * when it returns 1.
 *
 * The program has the v1 semantics of the same rule list (devices.ts): deny by default, then the
 * rules in order, the last rule that matches the device deciding, for each of the requested access
 * bits (m, r, w) on its own; the access is allowed when every requested bit is. This module only
 * builds the instructions; loading (BPF_PROG_LOAD) and attaching (BPF_PROG_ATTACH with
 * BPF_F_ALLOW_MULTI) need the bpf(2) syscall and belong to skiff-init.
 */
import type { LinuxDeviceCgroup } from '../spec/types';

/** bpf_cgroup_dev_ctx: access_type (u32), major (u32), minor (u32). */
const CTX_ACCESS_TYPE = 0;
const CTX_MAJOR = 4;
const CTX_MINOR = 8;
const DEV_BLOCK = 1;
const DEV_CHAR = 2;
const ACC_MKNOD = 1;
const ACC_READ = 2;
const ACC_WRITE = 4;

// Opcodes (BPF class | op | source).
const LDXW = 0x61; // r_dst = *(u32 *)(r_src + off)
const MOV32_IMM = 0xb4;
const MOV32_REG = 0xbc;
const AND32_IMM = 0x54;
const RSH32_IMM = 0x74;
const JEQ_IMM = 0x15;
const JNE_IMM = 0x55;
const JA = 0x05;
const EXIT = 0x95;

interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number | string; // a label until resolved
  imm: number;
}

class Assembler {
  readonly insns: Insn[] = [];
  private readonly labels = new Map<string, number>();
  private n = 0;

  emit(code: number, dst = 0, src = 0, off: number | string = 0, imm = 0): void {
    this.insns.push({ code, dst, src, off, imm });
  }

  label(): string {
    return `L${this.n++}`;
  }

  place(label: string): void {
    this.labels.set(label, this.insns.length);
  }

  bytes(): Buffer {
    const out = Buffer.alloc(this.insns.length * 8);
    this.insns.forEach((insn, pc) => {
      let off = insn.off;
      if (typeof off === 'string') {
        const target = this.labels.get(off);
        if (target === undefined) throw new Error(`eBPF: label ${off} not placed`);
        off = target - pc - 1;
      }
      out.writeUInt8(insn.code, pc * 8);
      out.writeUInt8((insn.src << 4) | insn.dst, pc * 8 + 1);
      out.writeInt16LE(off, pc * 8 + 2);
      out.writeInt32LE(insn.imm, pc * 8 + 4);
    });
    return out;
  }
}

function accessBits(access: string | undefined): number {
  const a = access || 'rwm';
  return (a.includes('m') ? ACC_MKNOD : 0) | (a.includes('r') ? ACC_READ : 0) | (a.includes('w') ? ACC_WRITE : 0);
}

/**
 * The program for a rule list (as devices.ts orders it, without the leading deny-all, which is the
 * program's default). Returns the raw instructions, 8 bytes each.
 */
export function deviceProgram(rules: LinuxDeviceCgroup[]): Buffer {
  const a = new Assembler();
  // r2 = type, r3 = access, r4 = major, r5 = minor
  a.emit(LDXW, 2, 1, CTX_ACCESS_TYPE);
  a.emit(MOV32_REG, 3, 2);
  a.emit(RSH32_IMM, 3, 0, 0, 16);
  a.emit(AND32_IMM, 2, 0, 0, 0xffff);
  a.emit(LDXW, 4, 1, CTX_MAJOR);
  a.emit(LDXW, 5, 1, CTX_MINOR);
  for (const bit of [ACC_MKNOD, ACC_READ, ACC_WRITE]) {
    const bitDone = a.label();
    // if (!(access & bit)) skip this bit
    a.emit(MOV32_REG, 0, 3);
    a.emit(AND32_IMM, 0, 0, 0, bit);
    a.emit(JEQ_IMM, 0, 0, bitDone, 0);
    // The last matching rule decides: walk the rules backwards, first match wins.
    // (The verifier refuses unreachable code: nothing is emitted after a rule that matches every device.)
    let decided = false;
    for (const rule of [...rules].reverse()) {
      if (!(accessBits(rule.access) & bit)) continue;
      const next = a.label();
      const type = rule.type ?? 'a';
      let conditions = 0;
      if (type === 'c' || type === 'b') conditions++, a.emit(JNE_IMM, 2, 0, next, type === 'c' ? DEV_CHAR : DEV_BLOCK);
      if (rule.major !== undefined && rule.major >= 0) conditions++, a.emit(JNE_IMM, 4, 0, next, rule.major);
      if (rule.minor !== undefined && rule.minor >= 0) conditions++, a.emit(JNE_IMM, 5, 0, next, rule.minor);
      if (rule.allow) {
        a.emit(JA, 0, 0, bitDone);
      } else {
        a.emit(MOV32_IMM, 0, 0, 0, 0);
        a.emit(EXIT);
      }
      if (conditions === 0) {
        decided = true;
        break;
      }
      a.place(next);
    }
    if (!decided) {
      // No rule for this bit: denied.
      a.emit(MOV32_IMM, 0, 0, 0, 0);
      a.emit(EXIT);
    }
    a.place(bitDone);
  }
  a.emit(MOV32_IMM, 0, 0, 0, 1);
  a.emit(EXIT);
  return a.bytes();
}

/** What the kernel passes the program, for tests: type 'c' | 'b', access a combination of r, w, m. */
export function deviceRequest(type: 'c' | 'b', major: number, minor: number, access: string): { accessType: number; major: number; minor: number } {
  return { accessType: (accessBits(access) << 16) | (type === 'c' ? DEV_CHAR : DEV_BLOCK), major, minor };
}
