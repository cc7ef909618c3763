#!/usr/bin/env python3
"""Writes test/fixtures/nn/hf-numerics.json: what PyTorch (Debian's python3-torch, CPU) computes for
the Hugging Face transformers code paths the nn ops reproduce, on small seeded inputs.

The functions below restate, in plain PyTorch, the semantics of transformers' Qwen2 / Qwen2.5-VL
modules as described in reference/mimo-embodied-spec.md sections 8, 10, 11 and 15 (transformers is
not a dependency; the module code is not copied):
  - Qwen2RMSNorm: upcast to f32, x * rsqrt(mean(x^2) + eps), cast back, weight * that;
  - decoder residual add (bf16 tensor add) followed by the next RMSNorm;
  - Qwen2_5_VLRotaryEmbedding ("default" rope): inv_freq = 1 / base ** (arange(0, dim, 2) / dim),
    freqs = inv_freq @ positions in f32, emb = cat(freqs, freqs), cos/sin in f32 then cast to the
    activation dtype; apply_multimodal_rotary_pos_emb with mrope_section doubled and chunk i taking
    axis i % 3; q * cos + rotate_half(q) * sin in bf16;
  - Qwen2_5_VisionRotaryEmbedding(head_dim / 2) and rot_pos_emb's (row, column) ids in merge-block
    order; apply_rotary_pos_emb_vision: f32 math, cast back;
  - Qwen2MLP's act_fn(gate) * up in bf16; GELU (erf / tanh); softmax(dtype=f32).
Tensors are stored as raw bits: bf16 as uint16 integers, f32 as their float value (exact repr;
NaN and infinities as the strings "NaN", "Infinity", "-Infinity").

usage: python3 tools/make-nn-fixtures.py test/fixtures/nn/hf-numerics.json
"""
import json
import math
import sys

import torch


def bits(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return [int(v) & 0xFFFF for v in t.view(torch.int16).flatten().tolist()]
    if t.dtype == torch.float32:
        # JSON has no NaN/Infinity literals: non-finite values as the strings JavaScript's Number() reads
        return [v if math.isfinite(v) else str(v).replace("nan", "NaN").replace("inf", "Infinity") for v in t.flatten().tolist()]
    return [int(v) for v in t.flatten().tolist()]


def entry(t):
    return {"dtype": {torch.bfloat16: "bf16", torch.float32: "f32", torch.int64: "i64"}[t.dtype], "shape": list(t.shape), "data": bits(t)}


def rms_norm(x, weight, eps):
    dt = x.dtype
    h = x.to(torch.float32)
    var = h.pow(2).mean(-1, keepdim=True)
    h = h * torch.rsqrt(var + eps)
    return weight * h.to(dt)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def text_cos_sin(position_ids, dim, base, dtype):
    # position_ids [3, S] (t, h, w)
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    inv = inv_freq[None, :, None].float().expand(3, -1, 1)
    pos = position_ids[:, None, :].float()
    freqs = (inv @ pos).transpose(1, 2)  # [3, S, dim/2]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype), emb.cos(), emb.sin()


def mrope_select(t3, section):
    chunks = t3.split(section * 2, dim=-1)
    return torch.cat([m[i % 3] for i, m in enumerate(chunks)], dim=-1)


def vision_pos_ids(h, w, merge):
    hpos = torch.arange(h).unsqueeze(1).expand(-1, w)
    hpos = hpos.reshape(h // merge, merge, w // merge, merge).permute(0, 2, 1, 3).flatten()
    wpos = torch.arange(w).unsqueeze(0).expand(h, -1)
    wpos = wpos.reshape(h // merge, merge, w // merge, merge).permute(0, 2, 1, 3).flatten()
    return torch.stack([hpos, wpos], dim=-1)  # [N, 2]


def vision_cos_sin(pos_ids, head_dim, theta=10000.0):
    dim = head_dim // 2
    inv_freq = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.float) / dim))
    seq = torch.arange(int(pos_ids.max()) + 1, dtype=inv_freq.dtype)
    table = torch.outer(seq, inv_freq)
    rot = table[pos_ids].flatten(1)
    emb = torch.cat((rot, rot), dim=-1)
    return emb.cos(), emb.sin()


def main(path):
    torch.manual_seed(1234)
    out = {}
    bf = torch.bfloat16

    x = (torch.randn(6, 96) * 3).to(bf)
    w = (torch.rand(96) + 0.5).to(bf)
    wf = torch.rand(96) + 0.5
    res = (torch.randn(6, 96) * 10).to(bf)
    new_res = res + x
    out["rms_norm"] = {"eps": 1e-6, "x": entry(x), "weight": entry(w), "out": entry(rms_norm(x, w, 1e-6))}
    out["rms_norm_f32_weight"] = {"eps": 1e-6, "x": entry(x), "weight": entry(wf), "out": entry(rms_norm(x, wf, 1e-6))}
    out["add_rms_norm"] = {"eps": 1e-5, "x": entry(x), "residual": entry(res), "weight": entry(w),
                           "residual_out": entry(new_res), "out": entry(rms_norm(new_res, w, 1e-5))}

    S, H, D = 11, 3, 128
    section = [16, 24, 24]
    pos = torch.stack([torch.full((S,), 5), 5 + torch.arange(S) // 4, 5 + torch.arange(S) % 4]).to(torch.int64)
    pos[:, :5] = torch.arange(5)
    cos_b, sin_b, cos_f, sin_f = text_cos_sin(pos, D, 1000000.0, bf)
    cos_b, sin_b = mrope_select(cos_b, section), mrope_select(sin_b, section)
    cos_f, sin_f = mrope_select(cos_f, section), mrope_select(sin_f, section)
    q = (torch.randn(S, H, D) * 2).to(bf)
    q_embed = q * cos_b[:, None, :] + rotate_half(q) * sin_b[:, None, :]
    out["mrope"] = {"theta": 1000000.0, "dim": D, "mrope_section": section, "positions": entry(pos),
                    "cos_f32": entry(cos_f), "sin_f32": entry(sin_f), "cos_bf16": entry(cos_b), "sin_bf16": entry(sin_b),
                    "q": entry(q), "q_embed": entry(q_embed)}

    big = torch.tensor([[0, 1, 77, 4095, 32767, 65535, 131071, 500000]], dtype=torch.int64).expand(3, -1).contiguous()
    c2, s2, cf2, sf2 = text_cos_sin(big, D, 640000.0, bf)
    out["rope_large_positions"] = {"theta": 640000.0, "dim": D, "positions": entry(big[0]), "cos_f32": entry(cf2[0]), "sin_f32": entry(sf2[0])}

    pid = vision_pos_ids(4, 6, 2)
    vc, vs = vision_cos_sin(pid, 80)
    n = pid.shape[0]
    vq = (torch.randn(n, 2, 80) * 2).to(bf)
    qf = vq.float()
    v_embed = (qf * vc.unsqueeze(-2) + rotate_half(qf) * vs.unsqueeze(-2)).to(bf)
    out["vision_rope"] = {"theta": 10000.0, "dim": 80, "positions": entry(pid.t().contiguous()), "cos": entry(vc), "sin": entry(vs),
                          "q": entry(vq), "q_embed": entry(v_embed)}

    g = (torch.randn(5, 200) * 3).to(bf)
    u = (torch.randn(5, 200) * 3).to(bf)
    out["swiglu"] = {"gate": entry(g), "up": entry(u), "out": entry(torch.nn.functional.silu(g) * u)}
    a = torch.randn(4, 100) * 4
    out["silu_f32"] = {"x": entry(a), "out": entry(torch.nn.functional.silu(a))}
    out["gelu_f32"] = {"x": entry(a), "out": entry(torch.nn.functional.gelu(a))}
    out["gelu_tanh_f32"] = {"x": entry(a), "out": entry(torch.nn.functional.gelu(a, approximate="tanh"))}
    ab = a.to(bf)
    out["gelu_bf16"] = {"x": entry(ab), "out": entry(torch.nn.functional.gelu(ab))}

    sc = (torch.randn(6, 37) * 5).to(bf)
    sc[1, 3:] = float("-inf")
    sc[2, :] = float("-inf")
    out["softmax"] = {"x": entry(sc), "out_f32": entry(torch.softmax(sc, dim=-1, dtype=torch.float32)),
                      "out_bf16": entry(torch.softmax(sc.float(), dim=-1).to(bf))}

    out["torch_version"] = torch.__version__
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/nn/hf-numerics.json")
