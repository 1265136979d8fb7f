//! The one integration test binary: drives the real app over HTTP (see STYLE: one binary links once).

mod api;
mod ar;
mod attachments;
mod caseworker;
mod catalogue;
mod config;
mod crash;
mod dialogporten;
mod file_delivery;
mod forms;
mod hardening;
mod helpers;
mod login;
mod maskinporten;
mod nodes;
mod operations;
mod parties;
mod reference;
mod registers;
mod retention;
mod robustness;
mod scenarios;
mod sessions;
mod sftp;
mod signin;
mod submit;
