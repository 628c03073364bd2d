/*
** pb_bm25(fts, w0, w1, ...): FTS5's bm25() with column weights, computed as SQLite's own (fts5_aux.c,
** Okapi BM25 with k1 = 1.2 and b = 0.75), except where each phrase's document count comes from.
**
** bm25() counts the rows that hold each phrase of the query, for its idf, once per statement: it
** walks the phrase's whole posting list, about 50 ns a row. For a common word of a large corpus
** that is most of a search ("learning" is in 439,000 of a million papers: 22 ms). pb_bm25 keeps
** the counts of large posting lists (PB_CACHE_MIN_HITS rows or more) per connection and reuses a
** count while the table's row count stays within 1% of what it was when counted, and for at most
** PB_MAX_USES statements (a corpus whose papers are replaced keeps its size); an idf then moves by
** a negligible amount. Smaller lists are counted each time, as bm25() does, so on a small corpus
** the two functions agree exactly.
**
** The key is the phrase's tokens. Paperboy's queries are bare quoted phrases; a phrase with a
** column filter or inside NEAR would share its count with the bare phrase. The cache belongs to one
** connection (a connection runs on one thread at a time), for one FTS5 table (papers_fts).
**
** Built by scripts/build-native.mjs against the SQLite headers that better-sqlite3 compiles with,
** and loaded by src/storage/db.ts; without it, search ranks with bm25().
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1
#include <math.h>
#include <string.h>

#define PB_SLOTS 4096 /* a power of two */
#define PB_CACHE_MIN_HITS 2000
#define PB_MAX_USES 10000

typedef struct PbEntry {
  char *zKey;            /* the phrase's tokens, each followed by '\x01'; 0 when the slot is free */
  int nKey;
  sqlite3_int64 nHit;    /* rows holding the phrase */
  sqlite3_int64 nRow;    /* rows in the table when counted */
  int nUse;              /* statements that used the count since */
} PbEntry;

typedef struct PbCache {
  PbEntry aSlot[PB_SLOTS];
} PbCache;

/* What one statement computes once: as Fts5Bm25Data in fts5_aux.c. */
typedef struct PbData {
  int nPhrase;
  double avgdl;
  double *aIDF;
  double *aFreq;
} PbData;

static void pbCacheFree(void *p) {
  PbCache *pCache = (PbCache *)p;
  int i;
  if (!pCache) return;
  for (i = 0; i < PB_SLOTS; i++) sqlite3_free(pCache->aSlot[i].zKey);
  sqlite3_free(pCache);
}

static int pbCountCb(const Fts5ExtensionApi *pApi, Fts5Context *pFts, void *pUserData) {
  (void)pApi;
  (void)pFts;
  (*(sqlite3_int64 *)pUserData)++;
  return SQLITE_OK;
}

/* The phrase's tokens as a key (sqlite3_malloc'd, *pnKey bytes), or 0 when out of memory. */
static char *pbPhraseKey(const Fts5ExtensionApi *pApi, Fts5Context *pFts, int iPhrase, int *pnKey, int *pRc) {
  int nTok = pApi->xPhraseSize(pFts, iPhrase);
  int i, n = 0;
  char *z = 0;
  for (i = 0; i < nTok && *pRc == SQLITE_OK; i++) {
    const char *zTok = 0;
    int nT = 0;
    char *zNew;
    *pRc = pApi->xQueryToken(pFts, iPhrase, i, &zTok, &nT);
    if (*pRc != SQLITE_OK) break;
    zNew = (char *)sqlite3_realloc64(z, (sqlite3_uint64)n + nT + 1);
    if (!zNew) {
      *pRc = SQLITE_NOMEM;
      break;
    }
    z = zNew;
    memcpy(&z[n], zTok, (size_t)nT);
    n += nT;
    z[n++] = '\x01';
  }
  if (*pRc != SQLITE_OK) {
    sqlite3_free(z);
    return 0;
  }
  *pnKey = n;
  return z;
}

static unsigned int pbHash(const char *z, int n) {
  unsigned int h = 2166136261u; /* FNV-1a */
  int i;
  for (i = 0; i < n; i++) {
    h ^= (unsigned char)z[i];
    h *= 16777619u;
  }
  return h;
}

/* The number of rows holding phrase iPhrase: from the cache while fresh, else counted. */
static int pbPhraseHits(const Fts5ExtensionApi *pApi, Fts5Context *pFts, PbCache *pCache, int iPhrase, sqlite3_int64 nRow, sqlite3_int64 *pnHit) {
  int rc = SQLITE_OK;
  int nKey = 0;
  /* xQueryToken arrived with version 3 of the extension API (SQLite 3.45): older ones count each time. */
  char *zKey = pCache && pApi->iVersion >= 3 ? pbPhraseKey(pApi, pFts, iPhrase, &nKey, &rc) : 0;
  PbEntry *pE = 0;
  sqlite3_int64 nHit = 0;
  if (rc != SQLITE_OK) return rc;
  if (zKey) {
    pE = &pCache->aSlot[pbHash(zKey, nKey) & (PB_SLOTS - 1)];
    if (pE->zKey && pE->nKey == nKey && memcmp(pE->zKey, zKey, (size_t)nKey) == 0) {
      sqlite3_int64 d = nRow - pE->nRow;
      if (d < 0) d = -d;
      if (d * 100 <= pE->nRow && ++pE->nUse <= PB_MAX_USES) {
        sqlite3_free(zKey);
        *pnHit = pE->nHit;
        return SQLITE_OK;
      }
    }
  }
  rc = pApi->xQueryPhrase(pFts, iPhrase, (void *)&nHit, pbCountCb);
  if (rc == SQLITE_OK && pE && nHit >= PB_CACHE_MIN_HITS) {
    sqlite3_free(pE->zKey);
    pE->zKey = zKey;
    pE->nKey = nKey;
    pE->nHit = nHit;
    pE->nRow = nRow;
    pE->nUse = 0;
    zKey = 0;
  }
  sqlite3_free(zKey);
  *pnHit = nHit;
  return rc;
}

static int pbGetData(const Fts5ExtensionApi *pApi, Fts5Context *pFts, PbData **ppData) {
  int rc = SQLITE_OK;
  PbData *p = (PbData *)pApi->xGetAuxdata(pFts, 0);
  if (p == 0) {
    PbCache *pCache = (PbCache *)pApi->xUserData(pFts);
    int nPhrase = pApi->xPhraseCount(pFts);
    sqlite3_int64 nRow = 0, nToken = 0;
    int i;
    p = (PbData *)sqlite3_malloc64(sizeof(PbData) + (sqlite3_uint64)nPhrase * 2 * sizeof(double));
    if (p == 0) return SQLITE_NOMEM;
    memset(p, 0, sizeof(PbData) + (size_t)nPhrase * 2 * sizeof(double));
    p->nPhrase = nPhrase;
    p->aIDF = (double *)&p[1];
    p->aFreq = &p->aIDF[nPhrase];
    rc = pApi->xRowCount(pFts, &nRow);
    if (rc == SQLITE_OK) rc = pApi->xColumnTotalSize(pFts, -1, &nToken);
    if (rc == SQLITE_OK) p->avgdl = (double)nToken / (double)(nRow > 0 ? nRow : 1);
    for (i = 0; rc == SQLITE_OK && i < nPhrase; i++) {
      sqlite3_int64 nHit = 0;
      rc = pbPhraseHits(pApi, pFts, pCache, i, nRow, &nHit);
      if (rc == SQLITE_OK) {
        /* As bm25(): a phrase in more than half of the rows would get a negative idf. */
        double idf = log((nRow - nHit + 0.5) / (nHit + 0.5));
        if (idf <= 0.0) idf = 1e-6;
        p->aIDF[i] = idf;
      }
    }
    if (rc != SQLITE_OK) {
      sqlite3_free(p);
      return rc;
    }
    rc = pApi->xSetAuxdata(pFts, p, sqlite3_free);
    if (rc != SQLITE_OK) return rc;
  }
  *ppData = p;
  return rc;
}

static void pbBm25(const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3_context *pCtx, int nVal, sqlite3_value **apVal) {
  const double k1 = 1.2;
  const double b = 0.75;
  double score = 0.0;
  double D = 0.0;
  PbData *pData = 0;
  int nInst = 0;
  int i;
  int rc = pbGetData(pApi, pFts, &pData);
  if (rc == SQLITE_OK) {
    memset(pData->aFreq, 0, sizeof(double) * (size_t)pData->nPhrase);
    rc = pApi->xInstCount(pFts, &nInst);
  }
  for (i = 0; rc == SQLITE_OK && i < nInst; i++) {
    int ip, ic, io;
    rc = pApi->xInst(pFts, i, &ip, &ic, &io);
    if (rc == SQLITE_OK) pData->aFreq[ip] += (nVal > ic) ? sqlite3_value_double(apVal[ic]) : 1.0;
  }
  if (rc == SQLITE_OK) {
    int nTok = 0;
    rc = pApi->xColumnSize(pFts, -1, &nTok);
    D = (double)nTok;
  }
  if (rc == SQLITE_OK) {
    for (i = 0; i < pData->nPhrase; i++) {
      double f = pData->aFreq[i];
      score += pData->aIDF[i] * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * D / pData->avgdl)));
    }
    sqlite3_result_double(pCtx, -1.0 * score);
  } else {
    sqlite3_result_error_code(pCtx, rc);
  }
}

static fts5_api *pbFts5Api(sqlite3 *db) {
  fts5_api *pRet = 0;
  sqlite3_stmt *pStmt = 0;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &pStmt, 0) == SQLITE_OK) {
    sqlite3_bind_pointer(pStmt, 1, (void *)&pRet, "fts5_api_ptr", 0);
    sqlite3_step(pStmt);
  }
  sqlite3_finalize(pStmt);
  return pRet;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_pbfts_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApiRoutines) {
  fts5_api *pApi;
  PbCache *pCache;
  int rc;
  SQLITE_EXTENSION_INIT2(pApiRoutines);
  pApi = pbFts5Api(db);
  if (pApi == 0) {
    *pzErrMsg = sqlite3_mprintf("pb_bm25: this SQLite has no FTS5");
    return SQLITE_ERROR;
  }
  pCache = (PbCache *)sqlite3_malloc64(sizeof(PbCache));
  if (pCache == 0) return SQLITE_NOMEM;
  memset(pCache, 0, sizeof(PbCache));
  rc = pApi->xCreateFunction(pApi, "pb_bm25", (void *)pCache, pbBm25, pbCacheFree);
  if (rc != SQLITE_OK) pbCacheFree(pCache);
  return rc;
}
