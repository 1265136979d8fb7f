//! SFTP: the organisations' public keys (tables `sftp_keys`) and the files taken from them with
//! the answers their `kvittering/` folder shows (`sftp_files`).

use super::{Actor, Db, Error, Store, audit_in};

/// A registered key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SftpKey {
    /// Its id (UUID).
    pub id: String,
    /// The organisation it delivers for.
    pub orgnr: String,
    /// Its name, as the person who added it gave it.
    pub name: String,
    /// The key in OpenSSH form, without a comment.
    pub public_key: String,
    /// `SHA256:…`, as `ssh-keygen -l` shows it.
    pub fingerprint: String,
    /// `person:<pid>` or `registry`.
    pub added_by: String,
    /// The forms it may deliver, comma-separated (those the person who added it may deliver);
    /// `None`: every form SFTP takes (the registry's test keys).
    pub forms: Option<String>,
    /// When (unix milliseconds).
    pub added_at: i64,
}

/// A file taken from an organisation, with its answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SftpFile {
    /// The organisation.
    pub orgnr: String,
    /// The file's name; its answer is `kvittering/<name>`.
    pub name: String,
    /// Where it was put: `innsending/<scheme>/<year>`.
    pub folder: String,
    /// Its SHA-256 (hex).
    pub sha256: String,
    /// Its size in bytes.
    pub size: i64,
    /// Whether it was received (else refused).
    pub accepted: bool,
    /// The answer: the `Leveransebekreftelse`, or the `Feil` (empty in listings).
    pub answer: String,
    /// The answer's length in bytes.
    pub answer_size: i64,
    /// The submission it became.
    pub submission_id: Option<String>,
    /// When it was taken (unix milliseconds).
    pub taken_at: i64,
    /// The domain system's feedback on its submission (JSON), once it came (read from the
    /// submission; not stored here).
    #[sqlx(default)]
    pub feedback: Option<String>,
}

/// How many files a folder listing shows: the newest.
const LISTED: i64 = 10_000;

impl Store {
    /// The keys of an organisation, oldest first.
    pub async fn sftp_keys(&self, orgnr: &str) -> Result<Vec<SftpKey>, Error> {
        let sql = "SELECT id, orgnr, name, public_key, fingerprint, added_by, forms, added_at \
                   FROM sftp_keys WHERE orgnr = $1 ORDER BY added_at, id";
        on_pool!(&self.db, |p| sqlx::query_as::<_, SftpKey>(sql)
            .bind(orgnr)
            .fetch_all(p)
            .await)
    }

    /// The key of an organisation with this fingerprint, if registered.
    pub async fn sftp_key(&self, orgnr: &str, fingerprint: &str) -> Result<Option<SftpKey>, Error> {
        let sql = "SELECT id, orgnr, name, public_key, fingerprint, added_by, forms, added_at \
                   FROM sftp_keys WHERE orgnr = $1 AND fingerprint = $2";
        on_pool!(&self.db, |p| sqlx::query_as::<_, SftpKey>(sql)
            .bind(orgnr)
            .bind(fingerprint)
            .fetch_optional(p)
            .await)
    }

    /// Registers a key, audited as `sftp.key.added`; false if the organisation has it already.
    pub async fn add_sftp_key(
        &self,
        key: &SftpKey,
        actor: &Actor<'_>,
        request_id: &str,
    ) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let sql = "INSERT INTO sftp_keys \
                   (id, orgnr, name, public_key, fingerprint, added_by, forms, added_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (orgnr, fingerprint) DO NOTHING";
        on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(sql)
                .bind(&key.id)
                .bind(&key.orgnr)
                .bind(&key.name)
                .bind(&key.public_key)
                .bind(&key.fingerprint)
                .bind(&key.added_by)
                .bind(&key.forms)
                .bind(key.added_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                let subject = format!("sftp-key:{}", key.id);
                audit_in(&mut *tx, "sftp.key.added", actor, &subject, request_id).await?;
            }
            tx.commit().await.map(|_| n == 1)
        })
    }

    /// Removes a key of an organisation, audited as `sftp.key.removed`; false if it has no such key.
    pub async fn remove_sftp_key(
        &self,
        orgnr: &str,
        id: &str,
        actor: &Actor<'_>,
        request_id: &str,
    ) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.db, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query("DELETE FROM sftp_keys WHERE orgnr = $1 AND id = $2")
                .bind(orgnr)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                let subject = format!("sftp-key:{id}");
                audit_in(&mut *tx, "sftp.key.removed", actor, &subject, request_id).await?;
            }
            tx.commit().await.map(|_| n == 1)
        })
    }

    /// Keeps a taken file's answer; a file of the same name replaces the one before.
    pub async fn put_sftp_file(&self, f: &SftpFile) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let sql = "INSERT INTO sftp_files \
                   (orgnr, name, folder, sha256, size, accepted, answer, answer_size, \
                   submission_id, taken_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                   ON CONFLICT (orgnr, name) DO UPDATE SET folder = excluded.folder, \
                   sha256 = excluded.sha256, size = excluded.size, accepted = excluded.accepted, \
                   answer = excluded.answer, answer_size = excluded.answer_size, \
                   submission_id = excluded.submission_id, \
                   taken_at = excluded.taken_at";
        on_pool!(&self.db, |p| sqlx::query(sql)
            .bind(&f.orgnr)
            .bind(&f.name)
            .bind(&f.folder)
            .bind(&f.sha256)
            .bind(f.size)
            .bind(f.accepted)
            .bind(&f.answer)
            .bind(f.answer.len() as i64)
            .bind(&f.submission_id)
            .bind(f.taken_at)
            .execute(p)
            .await
            .map(|_| ()))
    }

    /// A taken file of an organisation, by name.
    pub async fn sftp_file(&self, orgnr: &str, name: &str) -> Result<Option<SftpFile>, Error> {
        let sql = "SELECT f.orgnr, f.name, f.folder, f.sha256, f.size, f.accepted, f.answer, \
                   f.answer_size, f.submission_id, f.taken_at, s.feedback FROM sftp_files f \
                   LEFT JOIN submissions s ON s.id = f.submission_id \
                   WHERE f.orgnr = $1 AND f.name = $2";
        on_pool!(&self.db, |p| sqlx::query_as::<_, SftpFile>(sql)
            .bind(orgnr)
            .bind(name)
            .fetch_optional(p)
            .await)
    }

    /// The files taken from an organisation (in `folder`, or all), newest first, at most
    /// 10 000, without their answers' text (but with the domain system's feedback).
    pub async fn sftp_files(
        &self,
        orgnr: &str,
        folder: Option<&str>,
    ) -> Result<Vec<SftpFile>, Error> {
        let sql = "SELECT f.orgnr, f.name, f.folder, f.sha256, f.size, f.accepted, '' AS answer, \
                   f.answer_size, f.submission_id, f.taken_at, s.feedback FROM sftp_files f \
                   LEFT JOIN submissions s ON s.id = f.submission_id \
                   WHERE f.orgnr = $1 AND ($2 IS NULL OR f.folder = $2) \
                   ORDER BY f.taken_at DESC, f.name LIMIT $3";
        on_pool!(&self.db, |p| sqlx::query_as::<_, SftpFile>(sql)
            .bind(orgnr)
            .bind(folder)
            .bind(LISTED)
            .fetch_all(p)
            .await)
    }
}
