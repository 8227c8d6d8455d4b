//! One D-Bus method call, bounded in time, on a bus named by an address from the environment
//! (`DBUS_SESSION_BUS_ADDRESS`, `DBUS_SYSTEM_BUS_ADDRESS`).

use nix::sys::socket::UnixAddr;
use rustbus::connection::Timeout;
use rustbus::message_builder::MarshalledMessage;
use rustbus::{MessageBuilder, MessageType, RpcConn};

use crate::bounded;

/// Where the system bus is when `DBUS_SYSTEM_BUS_ADDRESS` is not set.
pub const SYSTEM_BUS_DEFAULT: &str = "unix:path=/run/dbus/system_bus_socket";

/// The socket of the first `unix:` address in a D-Bus address list.
fn socket_of(address: &str) -> Result<UnixAddr, String> {
    for one in address.split(';') {
        let Some(pairs) = one.strip_prefix("unix:") else {
            continue;
        };
        for pair in pairs.split(',') {
            let made = match pair.split_once('=') {
                Some(("path", p)) => UnixAddr::new(p),
                Some(("abstract", name)) => UnixAddr::new_abstract(name.as_bytes()),
                _ => continue,
            };
            return made.map_err(|e| format!("bad bus address {address:?}: {e}"));
        }
    }
    Err(format!("no unix socket in bus address {address:?}"))
}

/// An argument of a call.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `u`
    U32(u32),
    /// `s`
    Str(&'static str),
}

/// A method call to make.
#[derive(Debug, Clone)]
pub struct Call {
    /// The bus address.
    pub address: String,
    /// The service.
    pub dest: &'static str,
    /// The object.
    pub path: String,
    /// The interface.
    pub interface: &'static str,
    /// The method.
    pub member: &'static str,
    /// Its arguments.
    pub args: Vec<Arg>,
}

impl Call {
    /// Connects, calls, and hands the reply to `parse`; all within [`bounded::LIMIT`].
    pub fn run<T: Send + 'static>(
        self,
        parse: fn(&MarshalledMessage) -> Result<T, String>,
    ) -> Result<T, String> {
        bounded::within(bounded::LIMIT, move || {
            let what = format!("{}.{}", self.interface, self.member);
            let timeout = Timeout::Duration(bounded::LIMIT);
            let mut conn = RpcConn::connect_to_path(socket_of(&self.address)?, timeout)
                .map_err(|e| format!("cannot connect to the bus for {what}: {e}"))?;
            let mut msg = MessageBuilder::new()
                .call(self.member)
                .with_interface(self.interface)
                .on(self.path.clone())
                .at(self.dest)
                .build();
            for arg in &self.args {
                match arg {
                    Arg::U32(n) => msg.body.push_param(*n),
                    Arg::Str(s) => msg.body.push_param(*s),
                }
                .map_err(|e| e.to_string())?;
            }
            let serial = conn
                .send_message(&mut msg)
                .map_err(|e| e.to_string())?
                .write(timeout)
                .map_err(|(_, e)| format!("{what}: {e}"))?;
            let reply = conn
                .wait_response(serial, timeout)
                .map_err(|e| format!("{what}: {e}"))?;
            if reply.typ == MessageType::Error {
                let name = reply.dynheader.error_name.as_deref().unwrap_or("an error");
                return Err(format!("{what} answered {name}"));
            }
            parse(&reply)
        })
    }

    /// `org.freedesktop.DBus.Properties.Get(interface, name)` on the same object.
    pub fn property(
        address: String,
        dest: &'static str,
        path: String,
        interface: &'static str,
        name: &'static str,
    ) -> Call {
        Call {
            address,
            dest,
            path,
            interface: "org.freedesktop.DBus.Properties",
            member: "Get",
            args: vec![Arg::Str(interface), Arg::Str(name)],
        }
    }
}

/// A reply's first value, of type `T`.
pub fn first<T>(reply: &MarshalledMessage) -> Result<T, String>
where
    T: for<'a> rustbus::Unmarshal<'a, 'a>,
{
    reply
        .body
        .parser()
        .get::<T>()
        .map_err(|e| format!("unexpected reply: {e:?}"))
}

/// A `Properties.Get` reply's boolean.
pub fn variant_bool(reply: &MarshalledMessage) -> Result<bool, String> {
    let v = reply
        .body
        .parser()
        .get::<rustbus::wire::unmarshal::traits::Variant>()
        .map_err(|e| format!("unexpected reply: {e:?}"))?;
    v.get::<bool>()
        .map_err(|e| format!("unexpected property type: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bus_addresses() {
        assert!(socket_of("unix:path=/run/dbus/system_bus_socket").is_ok());
        assert!(socket_of("unix:abstract=/tmp/dbus-x,guid=1234").is_ok());
        assert!(socket_of("tcp:host=localhost,port=1;unix:path=/x").is_ok());
        assert!(socket_of("tcp:host=localhost,port=1").is_err());
        assert!(socket_of("unix:tmpdir=/tmp").is_err());
    }
}
