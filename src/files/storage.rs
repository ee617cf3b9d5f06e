//! Where file content lives, behind one type: in the database (the embedded default: chunks of
//! 1 MiB in `blob_chunks`, written in the transaction that records the file) or in an object
//! store through `object_store` (`s3://bucket/prefix` for any S3-compatible service, or
//! `file:///folder`), chosen by `MECIGEP_FILES_URL`.
//!
//! The same guarantees whatever the store: content is keyed by its SHA-256, so it is stored
//! once; the database names a blob only once its content is fully stored (object store: the
//! put finishes before the transaction that records it begins), so no row ever points at
//! missing content; content no row names (an upload that failed after its put, a file removed)
//! is swept when nothing has named or put it for an hour, so nothing half-stored stays.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use actix_web::web::Bytes;
use diesel::prelude::*;
use futures_util::stream::{self, BoxStream, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};

use crate::db::dialect::{self, Bind, Sql};
use crate::db::schema::{blob_chunks, blobs, files};
use crate::db::{self, DbConn, DbPool};
use crate::error::{ApiError, ApiResult};

/// Bytes per stored chunk of the database store.
pub const CHUNK: usize = 1024 * 1024;

/// Where the content of files is kept.
#[derive(Clone, Default)]
pub enum Storage {
    #[default]
    Database,
    Objects {
        store: Arc<dyn ObjectStore>,
        /// The setting, without credentials, for logs and `/health`.
        shown: String,
    },
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Storage {
    /// The store a `MECIGEP_FILES_URL` names: none or `database` for the database; `file:///dir`
    /// for a folder; `s3://bucket[/prefix]` for S3 or a compatible service, configured by the
    /// usual `AWS_*` variables (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`).
    pub fn from_url(url: Option<&str>) -> Result<Storage, String> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Storage::Database);
        };
        if url == "database" {
            return Ok(Storage::Database);
        }
        let parsed = url::Url::parse(url)
            .map_err(|e| format!("MECIGEP_FILES_URL {url:?} is no URL: {e}"))?;
        let shown = format!(
            "{}://{}{}",
            parsed.scheme(),
            parsed.host_str().unwrap_or(""),
            parsed.path()
        );
        let store: Arc<dyn ObjectStore> = match parsed.scheme() {
            "file" => {
                let dir = parsed
                    .to_file_path()
                    .map_err(|_| format!("MECIGEP_FILES_URL {url:?} names no folder"))?;
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(&dir)
                        .map_err(|e| format!("cannot use {}: {e}", dir.display()))?,
                )
            }
            "s3" => {
                let prefix = parsed.path().trim_matches('/').to_owned();
                let s3 = object_store::aws::AmazonS3Builder::from_env()
                    .with_url(url)
                    .build()
                    .map_err(|e| format!("MECIGEP_FILES_URL {url:?}: {e}"))?;
                if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
                }
            }
            other => {
                return Err(format!(
                    "MECIGEP_FILES_URL: unknown scheme {other:?} (database, file:// or s3://)"
                ))
            }
        };
        Ok(Storage::Objects { store, shown })
    }

    pub fn describe(&self) -> String {
        match self {
            Storage::Database => "database".into(),
            Storage::Objects { shown, .. } => shown.clone(),
        }
    }

    /// Before the transaction that records it: puts the content (the spooled upload, read
    /// from its start) where an object store keeps it. Nothing to do for the database store.
    pub async fn stage(&self, sha: &str, spool: &std::fs::File) -> ApiResult<()> {
        let Storage::Objects { store, .. } = self else {
            return Ok(());
        };
        let mut file = rewound(spool)?;
        let upload = store
            .put_multipart(&object_path(sha))
            .await
            .map_err(unavailable)?;
        let mut writer = WriteMultipart::new(upload);
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = file
                .read(&mut buf)
                .map_err(|e| ApiError::internal(format!("upload spool: {e}")))?;
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(4).await.map_err(unavailable)?;
            writer.write(&buf[..n]);
        }
        writer.finish().await.map_err(unavailable)?;
        Ok(())
    }

    /// Inside the transaction that records a file: names the blob (or marks it used again) and,
    /// for the database store, writes its chunks when it is new. A concurrent upload of the same
    /// content waits on the blob's row, then finds the chunks the other wrote.
    pub fn record(
        &self,
        conn: &mut DbConn,
        sha: &str,
        size: i64,
        spool: &std::fs::File,
    ) -> ApiResult<()> {
        let mut upsert = Sql::new("INSERT INTO blobs (sha256, size, used_at) VALUES (");
        upsert
            .bind(Bind::Text(sha.to_owned()))
            .push(", ")
            .bind(Bind::BigInt(size))
            .push(", ")
            .bind(Bind::Timestamp(crate::time::now()))
            .push(") ON CONFLICT (sha256) DO UPDATE SET used_at = excluded.used_at");
        dialect::execute(conn, &upsert)?;
        if matches!(self, Storage::Objects { .. }) {
            return Ok(());
        }
        let stored: i64 = blob_chunks::table
            .filter(blob_chunks::sha256.eq(sha))
            .count()
            .get_result(conn)?;
        if stored > 0 {
            return Ok(());
        }
        let mut file = rewound(spool)?;
        let mut buf = vec![0u8; CHUNK];
        let mut seq = 0;
        loop {
            let n = read_full(&mut file, &mut buf)?;
            if n == 0 {
                break;
            }
            diesel::insert_into(blob_chunks::table)
                .values((
                    blob_chunks::sha256.eq(sha),
                    blob_chunks::seq.eq(seq),
                    blob_chunks::data.eq(&buf[..n]),
                ))
                .execute(conn)?;
            seq += 1;
        }
        Ok(())
    }

    /// The bytes `start..end` of a blob, as a stream read a chunk at a time.
    pub async fn read(
        &self,
        pool: &DbPool,
        sha: &str,
        start: u64,
        end: u64,
    ) -> ApiResult<BoxStream<'static, Result<Bytes, actix_web::Error>>> {
        match self {
            Storage::Objects { store, .. } => {
                let opts = GetOptions {
                    range: Some(GetRange::Bounded(start..end)),
                    ..Default::default()
                };
                let got = store
                    .get_opts(&object_path(sha), opts)
                    .await
                    .map_err(unavailable)?;
                Ok(got
                    .into_stream()
                    .map(|r| r.map_err(actix_web::error::ErrorServiceUnavailable))
                    .boxed())
            }
            Storage::Database => {
                let pool = pool.clone();
                let sha = sha.to_owned();
                let chunk = CHUNK as u64;
                let first = start / chunk;
                Ok(stream::try_unfold(first, move |seq| {
                    let (pool, sha) = (pool.clone(), sha.clone());
                    async move {
                        if seq * chunk >= end {
                            return Ok(None);
                        }
                        let key = sha.clone();
                        let data: Vec<u8> = db::run(&pool, move |conn| {
                            Ok(blob_chunks::table
                                .filter(blob_chunks::sha256.eq(&key))
                                .filter(blob_chunks::seq.eq(seq as i32))
                                .select(blob_chunks::data)
                                .first(conn)?)
                        })
                        .await
                        .map_err(actix_web::Error::from)?;
                        let from = start.saturating_sub(seq * chunk) as usize;
                        let to = ((end - seq * chunk) as usize).min(data.len());
                        Ok(Some((Bytes::copy_from_slice(&data[from..to]), seq + 1)))
                    }
                })
                .boxed())
            }
        }
    }

    /// Removes content no file names any more and nothing used for an hour: rows and chunks
    /// in the database, then objects in an object store that no row names (the leftovers of
    /// puts whose transaction never committed). Runs on a job's own thread. Returns how many
    /// blobs went.
    pub fn sweep(&self, pool: &DbPool) -> ApiResult<usize> {
        let cutoff = crate::time::now() - chrono::Duration::hours(1);
        let removed = db::write_here(pool, move |conn| {
            Ok(
                diesel::delete(blobs::table.filter(blobs::used_at.lt(cutoff)).filter(
                    diesel::dsl::not(diesel::dsl::exists(
                        files::table.filter(files::sha256.eq(blobs::sha256)),
                    )),
                ))
                .execute(conn)?,
            )
        })?;
        let Storage::Objects { store, .. } = self else {
            return Ok(removed);
        };
        let runtime = runtime()?;
        let listed: Vec<_> = runtime.block_on(
            store
                .list(Some(&ObjectPath::from("blobs")))
                .collect::<Vec<_>>(),
        );
        let cutoff_utc = chrono::Utc::now() - chrono::Duration::hours(1);
        let mut candidates = Vec::new();
        for meta in listed {
            let meta = meta.map_err(unavailable)?;
            if meta.last_modified < cutoff_utc {
                if let Some(sha) = meta.location.filename() {
                    candidates.push(sha.to_owned());
                }
            }
        }
        if candidates.is_empty() {
            return Ok(removed);
        }
        let known: Vec<String> = db::read_here(pool, |conn| {
            Ok(blobs::table
                .filter(blobs::sha256.eq_any(&candidates))
                .select(blobs::sha256)
                .load(conn)?)
        })?;
        let mut swept = 0;
        for sha in candidates.iter().filter(|s| !known.contains(s)) {
            runtime
                .block_on(store.delete(&object_path(sha)))
                .map_err(unavailable)?;
            swept += 1;
        }
        Ok(removed + swept)
    }
}

/// Where `mecigep backup PATH` copies an object store's content: `PATH.files/`.
pub fn beside(backup: &std::path::Path) -> std::path::PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".files");
    std::path::PathBuf::from(name)
}

impl Storage {
    /// Whether the content is outside the database (so a database backup does not hold it).
    pub fn is_external(&self) -> bool {
        matches!(self, Storage::Objects { .. })
    }

    /// Copies the content of every blob the database names into `dir` (one file per SHA-256),
    /// after the database's backup: content is removed only once unnamed for an hour, so what
    /// the backup names is still there. Returns how many were copied.
    pub fn copy_out(&self, pool: &DbPool, dir: &std::path::Path) -> Result<usize, String> {
        let Storage::Objects { store, .. } = self else {
            return Ok(0);
        };
        std::fs::create_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let shas: Vec<String> = db::read_here(pool, |conn| {
            Ok(blobs::table.select(blobs::sha256).load(conn)?)
        })
        .map_err(|e| e.to_string())?;
        let runtime = runtime().map_err(|e| e.to_string())?;
        for sha in &shas {
            let path = dir.join(sha);
            let mut out = std::fs::File::create(&path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            runtime.block_on(async {
                let mut body = store
                    .get(&object_path(sha))
                    .await
                    .map_err(|e| format!("blob {sha}: {e}"))?
                    .into_stream();
                while let Some(chunk) = body.next().await {
                    let chunk = chunk.map_err(|e| format!("blob {sha}: {e}"))?;
                    std::io::Write::write_all(&mut out, &chunk)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                }
                Ok::<(), String>(())
            })?;
        }
        Ok(shas.len())
    }

    /// Puts the content a backup copied (see [`Storage::copy_out`]) back into the store.
    pub fn copy_in(&self, dir: &std::path::Path) -> Result<usize, String> {
        if !self.is_external() {
            return Ok(0);
        }
        let runtime = runtime().map_err(|e| e.to_string())?;
        let mut n = 0;
        for entry in
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        {
            let path = entry.map_err(|e| e.to_string())?.path();
            let Some(sha) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            let file = std::fs::File::open(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            runtime
                .block_on(self.stage(&sha, &file))
                .map_err(|e| format!("blob {sha}: {e}"))?;
            n += 1;
        }
        Ok(n)
    }
}

/// A runtime for the object store's calls made outside the server (jobs, commands).
pub(crate) fn runtime() -> ApiResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::internal(format!("object store runtime: {e}")))
}

fn object_path(sha: &str) -> ObjectPath {
    ObjectPath::from(format!("blobs/{sha}"))
}

fn unavailable(e: object_store::Error) -> ApiError {
    ApiError::Unavailable(format!("file store: {e}"))
}

/// Another handle on the spooled upload, at its start.
fn rewound(spool: &std::fs::File) -> ApiResult<std::fs::File> {
    let spool_fault = |e: std::io::Error| ApiError::internal(format!("upload spool: {e}"));
    let mut file = spool.try_clone().map_err(spool_fault)?;
    file.seek(SeekFrom::Start(0)).map_err(spool_fault)?;
    Ok(file)
}

/// Reads until `buf` is full or the file ends.
fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> ApiResult<usize> {
    let mut n = 0;
    while n < buf.len() {
        let got = file
            .read(&mut buf[n..])
            .map_err(|e| ApiError::internal(format!("upload spool: {e}")))?;
        if got == 0 {
            break;
        }
        n += got;
    }
    Ok(n)
}
