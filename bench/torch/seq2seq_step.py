"""PyTorch reference for gradstack's GRU + Bahdanau attention translation step (bench/seq2seq.ts).

usage: python3 bench/torch/steps.py seq2seq [--threads 2] [--steps 5]   (this file holds the model)

bentrevett's notebook-3 model at its sizes (embedding 256, bidirectional GRU encoder 512, tanh bridge
to a GRU decoder 512, additive attention, output layer over [decoder state, context, embedding],
dropout 0.5 on embeddings) on a Multi30k-sized batch (128 pairs, 14 source and 15 target tokens,
vocabularies 7857 / 5977), teacher-forced, cross-entropy, clipping at 1, Adam. Written the way
gradstack computes it, so the two time the same arithmetic: the keys of the attention projected once
per sentence (the notebook re-projects [hidden; encoder outputs] at every step) and the output layer
applied once to all steps (the notebook applies it step by step).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

SRC_VOCAB, TGT_VOCAB, EMB, ENC, DEC, DROPOUT = 7857, 5977, 256, 512, 512, 0.5
B, S, T, PAD = 128, 14, 15, 1


class Seq2SeqAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_emb = nn.Embedding(SRC_VOCAB, EMB)
        self.encoder = nn.GRU(EMB, ENC, bidirectional=True, batch_first=True)
        self.bridge = nn.Linear(2 * ENC, DEC)
        self.w_q = nn.Linear(DEC, DEC, bias=False)
        self.w_k = nn.Linear(2 * ENC, DEC, bias=False)
        self.w_v = nn.Linear(DEC, 1, bias=False)
        self.tgt_emb = nn.Embedding(TGT_VOCAB, EMB)
        self.decoder = nn.GRUCell(EMB + 2 * ENC, DEC)
        self.fc_out = nn.Linear(DEC + 2 * ENC + EMB, TGT_VOCAB)
        self.dropout = nn.Dropout(DROPOUT)

    def forward(self, src, tgt_in):
        values, h = self.encoder(self.dropout(self.src_emb(src)))  # (B, S, 2E), (2, B, E)
        hidden = torch.tanh(self.bridge(torch.cat((h[0], h[1]), dim=1)))
        keys = self.w_k(values)  # (B, S, D), once per sentence
        features = []
        for t in range(tgt_in.shape[1]):
            emb = self.dropout(self.tgt_emb(tgt_in[:, t]))
            scores = self.w_v(torch.tanh(self.w_q(hidden).unsqueeze(1) + keys)).squeeze(-1)
            context = torch.bmm(F.softmax(scores, dim=-1).unsqueeze(1), values).squeeze(1)
            hidden = self.decoder(torch.cat((emb, context), dim=1), hidden)
            features.append(torch.cat((hidden, context, emb), dim=1))
        return self.fc_out(torch.stack(features, dim=1))  # (B, T, V)
